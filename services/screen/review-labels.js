// Every label of the review page (issue 22 item 1), Chinese (default) and English: one table, as
// i18n.js keeps the wall's. The language is the wall's own setting (i18n.js), shared across pages.
import { currentLanguage } from './i18n.js';

export const labels = {
  title: { zh: '数据审核', en: 'Data review' },
  wall: { zh: '大屏', en: 'Wall' },
  desk: { zh: '值班台', en: 'Duty desk' },
  language: { zh: 'EN', en: '中文' },
  token: { zh: '审核员令牌', en: 'Officer token' },
  useToken: { zh: '登录', en: 'Sign in' },
  notSignedIn: { zh: '未登录', en: 'not signed in' },
  needToken: { zh: '请输入审核员令牌', en: 'Enter an officer token to review data' },
  needOfficer: { zh: '该令牌无审核权限：审核须使用审核员（或管理员）令牌', en: 'This token may not review: marking needs an officer (or admin) token' },
  wrongToken: { zh: '令牌不正确', en: 'That token is not valid here' },
  device: { zh: '设备', en: 'Device' },
  from: { zh: '起始日', en: 'From' },
  to: { zh: '截止日（含）', en: 'To (inclusive)' },
  load: { zh: '显示', en: 'Show' },
  loading: { zh: '加载中…', en: 'Loading…' },
  noReadings: { zh: '所选时段无数据', en: 'No readings in this range' },
  selection: { zh: '选定时段', en: 'Selected period' },
  selectionHint: { zh: '在图上拖动选择时段，或输入起止时间（北京时间）', en: 'Drag across the chart to select a period, or type its start and end (Beijing time)' },
  selFrom: { zh: '开始', en: 'Start' },
  selTo: { zh: '结束（不含）', en: 'End (exclusive)' },
  fields: { zh: '项目', en: 'Fields' },
  allFields: { zh: '全部项目', en: 'All fields' },
  reason: { zh: '原因', en: 'Reason' },
  comment: { zh: '说明', en: 'Comment' },
  mark: { zh: '标记为无效', en: 'Mark invalid' },
  marks: { zh: '审核标记', en: 'Review marks' },
  state: { zh: '状态', en: 'State' },
  period: { zh: '时段', en: 'Period' },
  by: { zh: '审核人', en: 'By' },
  inForce: { zh: '有效', en: 'in force' },
  revoked: { zh: '已撤销', en: 'revoked' },
  suggested: { zh: '建议', en: 'suggested' },
  revoke: { zh: '撤销', en: 'Revoke' },
  revokeWhy: { zh: '撤销原因', en: 'Why revoke' },
  confirm: { zh: '确认为标记', en: 'Confirm as mark' },
  noMarks: { zh: '此时段无标记', en: 'No marks in this range' },
  source: { zh: '来源', en: 'Source' },
  'source-hj212-flag': { zh: '仪器标识 (HJ 212)', en: 'instrument flag (HJ 212)' },
  'source-stuck-sensor': { zh: '数据恒定', en: 'stuck sensor' },
  dayFigures: { zh: '日数据（审核后 / 审核前）', en: 'Day figures (reviewed / before review)' },
  date: { zh: '日期', en: 'Date' },
  reviewed: { zh: '审核后', en: 'Reviewed' },
  unreviewed: { zh: '审核前', en: 'Before review' },
  noDays: { zh: '尚无日数据', en: 'No day figures yet' },
  legend: { zh: '红：有效标记 · 灰：已撤销 · 橙：建议 · 蓝色底条及字母：仪器 HJ 212 数据标识', en: 'red: mark in force · grey: revoked · amber: suggested · blue strip and letter: instrument HJ 212 data flag' },
  needSelection: { zh: '请先选定时段', en: 'Select a period first' },
  needComment: { zh: '请说明撤销原因', en: 'Say why the mark is withdrawn' },
  marked: { zh: '已标记，正在重新计算…', en: 'Marked; the figures are being recomputed…' },
  revokedOk: { zh: '已撤销，正在重新计算…', en: 'Revoked; the figures are being recomputed…' },
  recomputed: { zh: '已重新计算，见日数据', en: 'Recomputed: see the day figures' },
  unchanged: { zh: '日数据未变化', en: 'No day figure changed' },
  confirmedComment: { zh: '确认建议标记', en: 'confirmed suggestion' },
  all: { zh: '全部', en: 'all' },
  alsoDerived: { zh: '（及由其计算的 {fields}）', en: ' (and {fields}, computed from it)' },
  scope: { zh: '范围', en: 'Scope' },
  scopeDevice: { zh: '仅此设备', en: 'This device' },
  scopeSite: { zh: '本站点/断面全部设备', en: 'Every device of this site/section' },
  scopeSiteMixed: { zh: '（含不同类别设备，须逐台标记）', en: '(devices of several families: mark each)' },
  devices: { zh: '台', en: 'devices' },
  siteMark: { zh: '站点', en: 'site' },
  flagLegend: { zh: '仪器数据标识 (HJ 212)', en: 'Instrument data flags (HJ 212)' },
  'verdict-invalid': { zh: '仪器判为无效', en: 'invalid by the instrument' },
  'verdict-suspect': { zh: '可疑（仍计入）', en: 'suspect (still counted)' },
  'interval-rtd': { zh: '实时', en: 'real-time' },
  'interval-minute': { zh: '分钟值', en: 'minute value' },
  'interval-hour': { zh: '小时值', en: 'hour value' },
  'interval-day': { zh: '日值', en: 'day value' },
};

/** The label of a key in the current language (the key itself when the table has none). */
export function t(key) {
  const entry = labels[key];
  return entry ? entry[currentLanguage()] : key;
}

/** Fills every element marked data-i18n (text) or data-i18n-placeholder. */
export function applyLabels(root = document) {
  for (const element of root.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of root.querySelectorAll('[data-i18n-placeholder]')) element.placeholder = t(element.dataset.i18nPlaceholder);
}
