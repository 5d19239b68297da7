import { aqiCategoryOf, textOn } from './colours.js';
import { currentLanguage, t, tf } from './i18n.js';
import { model } from './model.js';
import { placeName } from './place-names.js';

/** An alarm's text in the screen's language; the English one names the place, not the device id. */
export function alarmText(alarm) {
  if (currentLanguage() === 'zh') return alarm.textZh;
  const device = model.devices.get(alarm.deviceId);
  return device ? alarm.textEn.split(alarm.deviceId).join(placeName(device)) : alarm.textEn;
}

/** What a group of like alarms is about ("Real-time AQI above 150"). */
export function ruleTitle(alarm) {
  const key = `rule-${alarm.ruleId}`;
  // A rule the screen has no title for (rules are data) is named by its family, never by its id (wall2).
  return t(key) === key ? tf('ruleOfFamily', { family: t(`family-${alarm.family}`) }) : tf(key, { limit: alarm.limit ?? '' });
}

/** The HJ 633 category of an AQI alarm's value (AQI 300 is 重度污染), as a coloured chip's text and colours. */
export function aqiChip(alarm) {
  if (!alarm.ruleId.startsWith('air-aqi') || typeof alarm.value !== 'number') return null;
  const category = aqiCategoryOf(alarm.value);
  return { text: `AQI ${alarm.value} ${t(category.key)}`, background: category.colour, color: textOn(category.colour) };
}
