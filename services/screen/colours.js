// Colours of the screen: WCAG 2.x contrast, and the text colour that reads on a state colour.

/** Relative luminance of #rrggbb (WCAG 2.1, §1.4.3 definition). */
export function luminance(hex) {
  const value = hex.replace('#', '');
  const channel = (i) => {
    const c = parseInt(value.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
}

export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** Black or white, whichever reads better on the colour (issue 21: AQI 重度/严重 purple and maroon take white). */
export function textOn(background) {
  if (!/^#[0-9a-f]{6}$/i.test(background ?? '')) return '#ffffff';
  return contrast(background, '#000000') >= contrast(background, '#ffffff') ? '#000000' : '#ffffff';
}

/** Severity 0–3 to the map's four colours (the legend names exactly these), grey when not fresh. */
export const severityColour = ['#2fbf71', '#f2c94c', '#f2994a', '#eb5757'];
export const silentColour = '#5b6b7f';

/** HJ 633 Table 1 AQI categories (standards.md §1.6): upper edge, i18n key, colour. */
export const aqiCategories = [
  { upTo: 50, key: 'aqi-1', colour: '#00E400' },
  { upTo: 100, key: 'aqi-2', colour: '#FFFF00' },
  { upTo: 150, key: 'aqi-3', colour: '#FF7E00' },
  { upTo: 200, key: 'aqi-4', colour: '#FF0000' },
  { upTo: 300, key: 'aqi-5', colour: '#99004C' },
  { upTo: Infinity, key: 'aqi-6', colour: '#7E0023' },
];

/** The category of an AQI value (AQI 300 is 重度污染, 301 严重污染). */
export const aqiCategoryOf = (aqi) => aqiCategories.find((c) => aqi <= c.upTo);
