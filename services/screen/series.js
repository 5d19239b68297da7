import { getJson } from './api.js';
import { beijingDateTime, h, replace } from './dom.js';
import { currentLanguage, t } from './i18n.js';
import { placeName } from './place-names.js';
import { fieldLabel, headlineKey } from './families.js';
import { serverNow } from './clock.js';

// The field a site's chart opens on, per family; the others are a click away.
const firstField = { air: 'pm25', water: 'nh3n', grid: 'load_rate_pct', parking: 'occupancy_pct', noise: 'leq', voc: 'nmhc' };
const ranges = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const POINTS = 360;
const lineColour = { limit: '#eb5757', target: '#f2c94c', band: '#7f94ad' };

const beijingAxis = (ms) => {
  const text = beijingDateTime(ms);
  return `${text.slice(5, 10)}\n${text.slice(11)}`;
};

/**
 * The series dialog: a device's field over 1 h … 30 d from /api/v1/series, each bucket's mean with
 * its min–max band (a single high reading shows), the field's limit and target lines, Beijing time
 * on the axis (labelled), and the points as CSV.
 */
export function createSeriesView(units) {
  const dialog = document.getElementById('series-dialog');
  const title = document.getElementById('series-title');
  const fields = document.getElementById('series-fields');
  const rangeBar = document.getElementById('series-ranges');
  const element = document.getElementById('series-chart');
  const csvButton = document.getElementById('series-csv');
  let chart = null;
  let current = { device: null, field: null, range: '24h', answer: null };
  document.getElementById('series-close').addEventListener('click', () => dialog.close());
  csvButton.addEventListener('click', () => downloadCsv());

  function downloadCsv() {
    const { device, field, answer } = current;
    if (!answer) return;
    const rows = [`time_beijing,${field}_mean,${field}_min,${field}_max,unit`, ...answer.points.map((p) => `${beijingDateTime(Date.parse(p.time))},${p.value},${p.min},${p.max},${answer.unit}`)];
    const link = h('a', { href: globalThis.URL.createObjectURL(new globalThis.Blob([`\ufeff${rows.join('\r\n')}\r\n`], { type: 'text/csv;charset=utf-8' })), download: `${device.id}-${field}-${current.range}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => globalThis.URL.revokeObjectURL(link.href), 10_000);
  }

  function controls() {
    const { device, field, range } = current;
    replace(fields, Object.keys(units()[device.family] ?? {}).map((key) =>
      h('button', { type: 'button', class: `btn${key === field ? ' on' : ''}`, dataset: { field: key }, onclick: () => show(device, key, current.range) }, fieldLabel(device.family, key))));
    replace(rangeBar, Object.keys(ranges).map((key) =>
      h('button', { type: 'button', class: `btn${key === range ? ' on' : ''}`, dataset: { range: key }, onclick: () => show(device, current.field, key) }, t(`range-${key}`))));
  }

  async function show(device, field, range) {
    current = { device, field, range, answer: null };
    controls();
    const to = new Date(serverNow());
    const from = new Date(to.getTime() - ranges[range]);
    const query = new URLSearchParams({ device: device.id, field, from: from.toISOString(), to: to.toISOString(), points: String(POINTS) });
    chart ??= globalThis.echarts.init(element);
    chart.showLoading({ text: t('loading'), color: '#36c5f0', textColor: '#d8e4f2', maskColor: 'rgba(6,13,24,0.6)' });
    try {
      const answer = await getJson(`/api/v1/series?${query}`);
      if (current.device !== device || current.field !== field || current.range !== range) return;
      current.answer = answer;
      chart.hideLoading();
      draw(answer);
      element.dataset.points = String(answer.points.length);
      // The highest reading drawn; none without a point (it said "-Infinity", and an earlier device's stayed).
      if (answer.points.length > 0) element.dataset.max = String(Math.max(...answer.points.map((p) => p.max)));
      else delete element.dataset.max;
    } catch {
      if (current.device !== device || current.field !== field || current.range !== range) return;
      chart.hideLoading();
      // Nothing, and why: the chart of the device opened before stayed under this one's title.
      delete element.dataset.points;
      delete element.dataset.max;
      draw({ points: [], lines: [], unit: '' }, t('platformUnreachable'));
    }
  }

  function draw(answer, emptyText = t('noData')) {
    const english = currentLanguage() === 'en';
    const times = answer.points.map((p) => Date.parse(p.time));
    const lines = answer.lines ?? [];
    chart.setOption({
      backgroundColor: 'transparent', animation: false,
      grid: { left: 64, right: 150, top: 36, bottom: 56 },
      legend: { top: 0, textStyle: { color: '#d8e4f2' }, data: [t('mean'), t('band')] },
      tooltip: {
        trigger: 'axis',
        formatter: (items) => {
          const i = items[0]?.dataIndex ?? 0;
          const p = answer.points[i];
          return p ? `${beijingDateTime(times[i])} (${t('beijing')})<br>${t('mean')} ${p.value.toFixed(1)} ${answer.unit}<br>${t('band')} ${p.min.toFixed(1)} – ${p.max.toFixed(1)}` : '';
        },
      },
      xAxis: {
        type: 'time', name: `${t('beijing')} (UTC+8)`, nameLocation: 'middle', nameGap: 36, nameTextStyle: { color: '#7f94ad' },
        axisLabel: { color: '#b8c7d9', formatter: beijingAxis, hideOverlap: true }, axisLine: { lineStyle: { color: '#7f94ad' } },
      },
      yAxis: {
        type: 'value', name: answer.unit, scale: true, axisLabel: { color: '#b8c7d9' }, axisLine: { lineStyle: { color: '#7f94ad' } }, splitLine: { lineStyle: { color: '#1b3350' } },
        // The axis reaches the highest reading and every limit line, so none falls off the chart.
        max: (extent) => Math.max(extent.max, ...lines.map((l) => l.value * 1.05)),
      },
      series: [
        { type: 'line', name: 'min', stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, data: answer.points.map((p, i) => [times[i], p.min]), tooltip: { show: false } },
        { type: 'line', name: t('band'), stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, areaStyle: { color: 'rgba(54,197,240,0.28)' }, data: answer.points.map((p, i) => [times[i], p.max - p.min]) },
        {
          type: 'line', name: t('mean'), showSymbol: false, lineStyle: { color: '#36c5f0', width: 2 }, data: answer.points.map((p, i) => [times[i], p.value]),
          markLine: {
            symbol: 'none', silent: true,
            // Above the line inside the plot, right-aligned: at the line's end, outside the plot, the
            // English "GB 3095 Grade II 24-h limit" ran past the chart's edge and was cut (wall2).
            data: lines.map((l) => ({ yAxis: l.value, lineStyle: { color: lineColour[l.kind], type: 'dashed' }, label: { formatter: english ? l.labelEn : l.labelZh, color: lineColour[l.kind], position: 'insideEndTop' } })),
          },
        },
      ],
      title: answer.points.length === 0 ? { text: emptyText, left: 'center', top: 'middle', textStyle: { color: '#7f94ad' } } : { show: false },
    }, true);
  }

  return {
    open(device) {
      title.textContent = `${placeName(device)} · ${t('series')} · ${t(`family-${device.family}`)}`;
      if (!dialog.open) dialog.showModal();
      void show(device, firstField[device.family] ?? headlineKey(device), '24h');
      requestAnimationFrame(() => chart?.resize());
    },
  };
}
