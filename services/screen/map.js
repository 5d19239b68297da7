import { placeName, t } from './i18n.js';

// Symbols tell the families apart on the schematic; colours are each device's state.
const symbols = { air: 'circle', water: 'diamond', grid: 'rect', parking: 'triangle', noise: 'pin', voc: 'arrow' };
// Drawn bottom to top; the families come from the devices, so a family new to the registry is drawn too (first, as a circle).
const drawOrder = ['grid', 'parking', 'noise', 'voc', 'water', 'air'];
const familiesOf = (devices) => [...new Set(devices.map((d) => d.family))].sort((a, b) => drawOrder.indexOf(a) - drawOrder.indexOf(b));

/**
 * A schematic of the district from the registry's coordinates and streets: plain value axes
 * (longitude, latitude), no online tiles. Clicking a site opens its series.
 */
export function createMap(element, onOpen) {
  const chart = globalThis.echarts.init(element, null, { renderer: 'canvas' });
  const byId = new Map();
  chart.on('click', (params) => {
    const device = byId.get(params.data?.id);
    if (device) onOpen(device);
  });
  new ResizeObserver(() => chart.resize()).observe(element);

  return {
    render(devices, streets, alarmDevices) {
      byId.clear();
      for (const d of devices) byId.set(d.id, d);
      const lons = devices.map((d) => d.lon);
      const lats = devices.map((d) => d.lat);
      const pad = 0.004;
      const centroids = streets.map((street) => {
        const members = devices.filter((d) => d.street === street.id);
        if (members.length === 0) return null;
        return { value: [members.reduce((s, d) => s + d.lon, 0) / members.length, members.reduce((s, d) => s + d.lat, 0) / members.length], name: placeName(street.name, street.id), members: members.length };
      }).filter(Boolean);
      const encode = globalThis.echarts.format.encodeHTML;
      chart.setOption({
        backgroundColor: 'transparent',
        animation: false,
        grid: { left: 10, right: 10, top: 30, bottom: 10 },
        xAxis: { type: 'value', min: Math.min(...lons) - pad, max: Math.max(...lons) + pad, show: false },
        yAxis: { type: 'value', min: Math.min(...lats) - pad, max: Math.max(...lats) + pad, show: false },
        tooltip: {
          trigger: 'item', backgroundColor: '#0c1828', borderColor: '#36c5f0', textStyle: { color: '#d8e4f2' },
          formatter: (p) => {
            const d = byId.get(p.data?.id);
            if (!d) return encode(p.data?.name ?? '');
            const value = d.state.value === null ? '—' : typeof d.state.value === 'number' ? d.state.value.toFixed(1).replace(/\.0$/, '') : d.state.value;
            return `${encode(placeName(d.siteName, d.site))}<br>${encode(t(`family-${d.family}`))} · ${encode(t(d.state.label))} · ${encode(String(value))}`;
          },
        },
        series: [
          {
            id: 'streets', type: 'scatter', silent: true, symbolSize: Math.max(50, element.clientWidth / 8), z: 1,
            itemStyle: { color: 'rgba(54,197,240,0.06)', borderColor: 'rgba(54,197,240,0.25)', borderWidth: 1 },
            label: { show: true, position: 'top', distance: -12, color: '#8fb4d9', fontSize: 14, fontWeight: 600, formatter: (p) => p.data.name },
            data: centroids,
          },
          ...familiesOf(devices).map((family) => ({
            id: family, name: family, type: 'scatter', z: 3, symbol: symbols[family] ?? 'circle', symbolSize: family === 'air' || family === 'water' ? 16 : 10,
            data: devices.filter((d) => d.family === family).map((d) => ({
              id: d.id, name: d.siteName, value: [d.lon, d.lat],
              itemStyle: { color: d.freshness === 'silent' ? '#5b6b7f' : d.state.colour, borderColor: '#060d18', borderWidth: 1 },
            })),
          })),
          {
            id: 'alarming', type: 'effectScatter', z: 2, symbolSize: 22, rippleEffect: { scale: 3, brushType: 'stroke' }, silent: true,
            itemStyle: { color: '#eb5757' },
            data: devices.filter((d) => alarmDevices.has(d.id)).map((d) => ({ id: d.id, value: [d.lon, d.lat] })),
          },
        ],
      }, { replaceMerge: ['series'] });
    },
    resize: () => chart.resize(),
  };
}
