import { severityColour, silentColour } from './colours.js';
import { currentLanguage, t } from './i18n.js';
import { alarmingDevices, freshnessOf, model } from './model.js';
import { placeName, streetName } from './place-names.js';
import { presentationOf, svgOfPath } from './families.js';
import { placeLabel, spreadMarkers } from './map-layout.js';
import { serverNow } from './clock.js';

// Symbols tell the families apart (the legend shows each); colours are the four severities and grey.
export const symbols = { air: 'circle', water: 'diamond', grid: 'rect', parking: 'triangle', noise: 'pin', voc: 'arrow' };
const drawnFirst = ['grid', 'parking', 'noise', 'voc', 'water', 'air'];
const sizes = { air: 16, water: 15, grid: 13, parking: 11, noise: 12, voc: 12 };
// Any other family is drawn with the symbol its module names (issue 25), under the ones above.
const families = () => [...model.familyOrder.filter((family) => !drawnFirst.includes(family)), ...drawnFirst];
const symbolOf = (family) => symbols[family] ?? presentationOf(family)?.symbol ?? 'circle';
const sizeOf = (family) => sizes[family] ?? 12;

/** Legend entries for the families the static legend does not list, from their modules. */
function legendMore() {
  const holder = document.getElementById('map-legend-more');
  if (!holder) return;
  const SVG = 'http://www.w3.org/2000/svg';
  const entries = model.familyOrder.filter((family) => !symbols[family]).map((family) => {
    const path = svgOfPath(symbolOf(family));
    const span = document.createElement('span');
    span.className = 'shape';
    span.dataset.family = family;
    if (path) {
      const svg = document.createElementNS(SVG, 'svg');
      svg.setAttribute('class', 'sym');
      svg.setAttribute('viewBox', path.viewBox);
      const shape = document.createElementNS(SVG, 'path');
      shape.setAttribute('d', path.d);
      svg.append(shape);
      span.append(svg);
    } else span.append(document.createElement('i'));
    const label = document.createElement('b');
    label.dataset.i18n = `family-${family}`;
    label.textContent = t(`family-${family}`);
    span.append(label);
    return span;
  });
  holder.replaceChildren(...entries);
  // The outline's own box, as the browser measures it: counting the path's numbers in pairs missed
  // the bulge of an arc, and a drop-shaped symbol was cut into a triangle (audit of issue 21).
  for (const svg of holder.querySelectorAll('svg.sym')) {
    const box = svg.querySelector('path').getBBox();
    if (box.width > 0 && box.height > 0) svg.setAttribute('viewBox', `${box.x - 0.5} ${box.y - 0.5} ${box.width + 1} ${box.height + 1}`);
  }
}

/** One point per place: a substation stands for its transformers (worst of them), so squares never stack. */
function points(now, alarming) {
  const grid = new Map();
  const out = [];
  for (const d of model.devices.values()) {
    if (d.family === 'grid') {
      const key = String(d.attributes.substation);
      const entry = grid.get(key) ?? { device: null, severity: 0, fresh: false, alarm: false };
      if (d.attributes.level === 'substation') entry.device = d;
      // Grey once late, as its row is (a late station stayed green on the map while its row greyed).
      const fresh = freshnessOf(d, now) === 'fresh';
      if (fresh) entry.severity = Math.max(entry.severity, d.state.severity);
      entry.fresh ||= fresh;
      entry.alarm ||= alarming.has(d.id);
      grid.set(key, entry);
      continue;
    }
    out.push({ device: d, severity: d.state.severity, fresh: freshnessOf(d, now) === 'fresh' && d.state.label !== 'no-data', alarm: alarming.has(d.id) });
  }
  for (const entry of grid.values()) if (entry.device) out.push(entry);
  return out;
}

/**
 * A schematic of the district from the registry's coordinates: zoom and pan (inside data zoom),
 * street names that hide rather than overprint (labelLayout.hideOverlap), room at the edges.
 */
export function createMapPanel(element, onOpen) {
  const chart = globalThis.echarts.init(element, null, { renderer: 'canvas' });
  let located = null;
  let locatedUntil = 0;
  chart.on('click', (params) => {
    const device = model.devices.get(params.data?.id);
    if (device) onOpen(device);
  });
  // After a zoom, a pan or a resize the markers are spread again for the new scale (labels follow).
  let lastNow = serverNow();
  let again = null;
  const redrawSoon = () => { clearTimeout(again); again = setTimeout(() => render(lastNow, true), 150); };
  chart.on('datazoom', redrawSoon);
  new ResizeObserver(() => { chart.resize(); redrawSoon(); }).observe(element);
  const encode = globalThis.echarts.format.encodeHTML;
  let ranged = false;

  // The markers as last drawn (series, place, size, offset): the street labels are laid out round them.
  let drawn = [];
  let streetPoints = [];
  let markers = [];
  let placed = [];
  function layoutStreetLabel(params) {
    // Once per layout (a render, a zoom, a resize): the markers' boxes in pixels now.
    if (params.dataIndex === 0) {
      placed = [];
      markers = drawn.map((m) => {
        const [x, y] = chart.convertToPixel({ seriesId: m.seriesId }, m.value);
        return { x: x + m.offset[0] - m.size / 2, y: y + m.offset[1] - m.size / 2, width: m.size, height: m.size };
      });
    }
    // dx and dy count from the label's own place, centred on its street (the rect given may be where
    // the last layout moved it).
    const [x, y] = chart.convertToPixel({ seriesId: 'streets' }, streetPoints[params.dataIndex].value);
    const { width, height } = params.labelRect;
    const { dx, dy } = placeLabel({ x: x - width / 2, y: y - height / 2, width, height }, markers, placed, { x: 0, y: 0, width: chart.getWidth(), height: chart.getHeight() });
    return { dx, dy, hideOverlap: true };
  }

  // What the map last drew, and the legend's families and language: neither is drawn again unless it changed.
  let drawnSig = null;
  let legendSig = null;

  function render(now, force = false) {
    if (!model.loaded || model.devices.size === 0) return;
    const alarming = alarmingDevices();
    const all = points(now, alarming);
    lastNow = now;
    // The map is one canvas drawn whole (ECharts): redrawn only when a marker's colour, a ring, a
    // street, the place located or the language changed (issue 21 item 5: it was redrawn every 3 s
    // for readings that left every marker as it was). A zoom, a pan or a resize redraws it (force).
    const locatedNow = located && locatedUntil > now ? located.id : null;
    const sig = JSON.stringify([currentLanguage(), locatedNow, model.streets.map((s) => s.id), all.map((p) => [p.device.id, p.fresh ? p.severity : -1, p.alarm])]);
    if (!force && sig === drawnSig) return;
    drawnSig = sig;
    if (!ranged) {
      // The axes first: the markers are spread in pixels, which needs them.
      const lons = all.map((p) => p.device.lon);
      const lats = all.map((p) => p.device.lat);
      const padLon = (Math.max(...lons) - Math.min(...lons)) * 0.08 || 0.004;
      const padLat = (Math.max(...lats) - Math.min(...lats)) * 0.1 || 0.004;
      chart.setOption({
        grid: { left: 16, right: 16, top: 16, bottom: 16 },
        xAxis: { type: 'value', min: Math.min(...lons) - padLon, max: Math.max(...lons) + padLon, show: false },
        yAxis: { type: 'value', min: Math.min(...lats) - padLat, max: Math.max(...lats) + padLat, show: false },
        dataZoom: [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }, { type: 'inside', yAxisIndex: 0, filterMode: 'none' }],
      });
      ranged = true;
    }
    // Markers of one site, or too close at this zoom, are spread apart (the station's chargers, two devices at one address).
    const offsets = spreadMarkers(all, sizeOf, (value) => chart.convertToPixel({ gridIndex: 0 }, value), { x: 0, y: 0, width: chart.getWidth(), height: chart.getHeight() });
    const offsetOf = (id) => offsets.get(id) ?? [0, 0];
    drawn = all.map((p) => ({ seriesId: p.device.family, value: [p.device.lon, p.device.lat], size: sizeOf(p.device.family), offset: offsetOf(p.device.id) }));
    streetPoints = model.streets.map((street) => {
      const members = [...model.devices.values()].filter((d) => d.street === street.id);
      if (members.length === 0) return null;
      return { name: streetName(street), value: [members.reduce((s, d) => s + d.lon, 0) / members.length, members.reduce((s, d) => s + d.lat, 0) / members.length] };
    }).filter(Boolean);
    const option = {
      backgroundColor: 'transparent', animation: false,
      tooltip: {
        trigger: 'item', backgroundColor: '#0c1828', borderColor: '#36c5f0', textStyle: { color: '#d8e4f2' },
        formatter: (p) => {
          const d = model.devices.get(p.data?.id);
          if (!d) return encode(p.data?.name ?? '');
          const value = d.state.value === null ? '—' : typeof d.state.value === 'number' ? d.state.value.toFixed(1).replace(/\.0$/, '') : d.state.value;
          return `${encode(placeName(d))}<br>${encode(t(`family-${d.family}`))} · ${encode(t(d.state.label))} · ${encode(String(value))}`;
        },
      },
      series: [
        ...families().map((family) => ({
          id: family, type: 'scatter', z: 3, symbol: symbolOf(family), symbolSize: sizeOf(family), clip: false,
          data: all.filter((p) => p.device.family === family).map((p) => ({
            id: p.device.id, name: placeName(p.device), value: [p.device.lon, p.device.lat], symbolOffset: offsetOf(p.device.id),
            itemStyle: { color: p.fresh ? severityColour[p.severity] : silentColour, borderColor: p.alarm ? '#ffffff' : '#060d18', borderWidth: p.alarm ? 2 : 1 },
          })),
        })),
        {
          id: 'streets', type: 'scatter', silent: true, z: 5, symbolSize: 1, itemStyle: { color: 'transparent' }, clip: false,
          label: { show: true, position: 'inside', color: '#d8e4f2', fontSize: currentLanguage() === 'en' ? 12 : 13, fontWeight: 600, backgroundColor: 'rgba(6,13,24,0.72)', padding: [2, 5], borderRadius: 3, formatter: (p) => p.data.name },
          // Each name where it covers the fewest markers near its devices' centre (map-layout.js); one
          // that would still sit on another name is hidden.
          labelLayout: layoutStreetLabel,
          data: streetPoints,
        },
        {
          id: 'alarming', type: 'effectScatter', z: 2, symbolSize: 20, rippleEffect: { scale: 2.4, brushType: 'stroke' }, silent: true, clip: false,
          itemStyle: { color: '#eb5757' },
          data: all.filter((p) => p.alarm).map((p) => ({ id: p.device.id, value: [p.device.lon, p.device.lat], symbolOffset: offsetOf(p.device.id) })),
        },
        {
          id: 'located', type: 'effectScatter', z: 6, symbolSize: 30, rippleEffect: { scale: 3, brushType: 'stroke' }, silent: true, clip: false,
          itemStyle: { color: '#36c5f0' },
          data: located && locatedUntil > now ? [{ value: [located.lon, located.lat], symbolOffset: offsetOf(located.id) }] : [],
        },
      ],
    };
    chart.setOption(option, { replaceMerge: ['series'] });
    // The legend measures its outlines (getBBox, a layout): only when the families or the language changed.
    const legend = `${currentLanguage()}|${model.familyOrder.join(',')}`;
    if (legend !== legendSig) {
      legendSig = legend;
      legendMore();
    }
  }

  return {
    id: 'map', get families() { return model.familyOrder; }, element, render: (_container, now) => render(now),
    /** Marks a device on the map, zooms to it and shows its tooltip ("locate on map" from an alarm or the search box). */
    locate(deviceId) {
      let device = model.devices.get(deviceId);
      if (!device) return false;
      if (device.family === 'grid') device = [...model.devices.values()].find((d) => d.family === 'grid' && d.attributes.level === 'substation' && d.attributes.substation === device.attributes.substation) ?? device;
      located = device;
      locatedUntil = serverNow() + 8_000;
      element.closest('.panel')?.scrollIntoView({ block: 'nearest' });
      render(serverNow(), true);
      chart.dispatchAction({ type: 'dataZoom', dataZoomIndex: 0, startValue: device.lon - 0.012, endValue: device.lon + 0.012 });
      chart.dispatchAction({ type: 'dataZoom', dataZoomIndex: 1, startValue: device.lat - 0.008, endValue: device.lat + 0.008 });
      const seriesIndex = families().indexOf(device.family);
      const dataIndex = chart.getOption().series[seriesIndex].data.findIndex((p) => p.id === device.id);
      if (dataIndex >= 0) chart.dispatchAction({ type: 'showTip', seriesIndex, dataIndex });
      element.dataset.located = device.id;
      return true;
    },
    resize: () => chart.resize(),
  };
}

/** Finds a device or site by name (either language), site or id. */
export function findDevice(text) {
  const query = text.trim().toLowerCase();
  if (!query) return null;
  const all = [...model.devices.values()];
  const score = (d) => [d.id, d.site, d.siteName, placeName(d)].map((s) => String(s).toLowerCase());
  return all.find((d) => score(d).includes(query)) ?? all.find((d) => score(d).some((s) => s.includes(query))) ?? null;
}
