import { getJson } from './api.js';
import { h, replace } from './dom.js';
import { placeName, t } from './i18n.js';

// The field a site's chart opens on, per family; the others are a click away.
const firstField = { air: 'pm25', water: 'nh3n', grid: 'load_rate_pct', parking: 'occupancy_pct', noise: 'leq', voc: 'nmhc' };

/** The series dialog: a site's last 24 h from /api/v1/series, downsampled by the server. */
export function createSeriesView(units) {
  const dialog = document.getElementById('series-dialog');
  const title = document.getElementById('series-title');
  const fields = document.getElementById('series-fields');
  const element = document.getElementById('series-chart');
  let chart = null;
  document.getElementById('series-close').addEventListener('click', () => dialog.close());

  async function show(device, field) {
    replace(fields, Object.keys(units()[device.family] ?? {}).map((key) =>
      h('button', { type: 'button', class: `btn${key === field ? ' on' : ''}`, onclick: () => show(device, key) }, key)));
    const to = new Date();
    const from = new Date(to.getTime() - 86_400_000);
    const query = new URLSearchParams({ device: device.id, field, from: from.toISOString(), to: to.toISOString(), points: '288' });
    chart ??= globalThis.echarts.init(element);
    chart.showLoading({ text: t('loading'), color: '#36c5f0', textColor: '#d8e4f2', maskColor: 'rgba(6,13,24,0.6)' });
    try {
      const answer = await getJson(`/api/v1/series?${query}`);
      chart.hideLoading();
      chart.setOption({
        backgroundColor: 'transparent', animation: false,
        grid: { left: 60, right: 20, top: 30, bottom: 40 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'time', axisLine: { lineStyle: { color: '#7f94ad' } } },
        yAxis: { type: 'value', name: answer.unit, scale: true, axisLine: { lineStyle: { color: '#7f94ad' } }, splitLine: { lineStyle: { color: '#1b3350' } } },
        series: [{ type: 'line', name: field, showSymbol: false, lineStyle: { color: '#36c5f0', width: 2 }, areaStyle: { color: 'rgba(54,197,240,0.12)' },
          data: answer.points.map((p) => [p.time, p.value]) }],
        title: answer.points.length === 0 ? { text: t('noData'), left: 'center', top: 'middle', textStyle: { color: '#7f94ad' } } : { show: false },
      }, true);
    } catch {
      chart.hideLoading();
    }
  }

  return {
    open(device) {
      title.textContent = `${placeName(device.siteName, device.site)} · ${t('series')} · ${t(`family-${device.family}`)}`;
      if (!dialog.open) dialog.showModal();
      void show(device, firstField[device.family]);
      requestAnimationFrame(() => chart?.resize());
    },
  };
}
