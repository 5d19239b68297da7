// Every visible label of the screen, in Chinese (default) and English: one table, nothing elsewhere.
// Data (site names, alarm texts) comes from the registry and the alarm rules, in both languages.
export const labels = {
  title: { zh: '罗湖区城市运行指挥中心', en: 'Luohu District Operations Centre' },
  subtitle: { zh: '万象 · 一屏直达', en: 'Wanxiang · one screen for the district' },
  language: { zh: 'EN', en: '中文' },
  languageName: { zh: '切换到英文', en: 'Switch to Chinese' },
  token: { zh: '操作员令牌', en: 'Operator token' },
  tokenSet: { zh: '令牌已设置', en: 'Token set' },
  tokenPrompt: { zh: '输入操作员令牌（仅保存在本次会话）', en: 'Enter the operator token (kept for this session only)' },
  save: { zh: '保存', en: 'Save' },
  cancel: { zh: '取消', en: 'Cancel' },
  close: { zh: '关闭', en: 'Close' },
  // Signing in when the district's reads need a token (WX_API_READ_ACCESS=token)
  signInTitle: { zh: '数据需要令牌', en: 'This district’s data needs an access token' },
  signInText: {
    zh: '本区数据须凭令牌读取。请输入读取令牌（操作员、管理员令牌亦可）。大屏将保持登录，令牌本身不保存在浏览器中。',
    en: 'Reading this district’s data needs a token. Enter a reader token (an operator or admin token works too). The screen stays signed in; the token itself is not kept in the browser.',
  },
  signInLabel: { zh: '访问令牌', en: 'Access token' },
  signIn: { zh: '登录', en: 'Sign in' },
  signingIn: { zh: '登录中…', en: 'Signing in…' },
  signInWrong: { zh: '令牌不正确，请核对后重试', en: 'That token is not valid here. Check it and try again.' },
  signInFailed: { zh: '无法连接平台，请稍后重试', en: 'The platform cannot be reached. Try again shortly.' },
  signInAgain: { zh: '登录已失效，请重新输入令牌', en: 'The session has ended. Enter the token again.' },
  connected: { zh: '实时', en: 'Live' },
  reconnecting: { zh: '重连中', en: 'Reconnecting' },
  docs: { zh: '接口文档', en: 'API docs' },
  desk: { zh: '值班台', en: 'Duty desk' },
  // District tiles
  'tile-pm25': { zh: 'PM2.5 年均浓度', en: 'PM2.5 annual mean' },
  'tile-good-days': { zh: '空气优良天数比例', en: 'Good-air days' },
  'tile-sections': { zh: '断面达到目标水质', en: 'Sections meeting target' },
  'tile-heavy-load': { zh: '重载配变', en: 'Heavily loaded transformers' },
  'tile-parking': { zh: '空余车位 / 可共享', en: 'Free / shareable spaces' },
  'tile-noise': { zh: '噪声超标道路', en: 'Roads over noise limit' },
  'tile-online': { zh: '设备在线', en: 'Devices online' },
  target: { zh: '目标', en: 'Target' },
  ytd: { zh: '年累计', en: 'Year to date' },
  now: { zh: '当前', en: 'Now' },
  provenance: { zh: '来源', en: 'Source' },
  'status-met': { zh: '达标', en: 'Met' },
  'status-at risk': { zh: '有风险', en: 'At risk' },
  'status-breached': { zh: '未达标', en: 'Breached' },
  'status-insufficient data': { zh: '数据不足', en: 'Insufficient data' },
  'status-reported': { zh: '已报告', en: 'Reported' },
  'status-manual': { zh: '人工填报', en: 'Manual' },
  'status-pending': { zh: '计算中', en: 'Computing' },
  // Panels
  map: { zh: '罗湖区示意图', en: 'District schematic' },
  air: { zh: '空气质量 · 监测站', en: 'Air quality · stations' },
  water: { zh: '河流断面水质', en: 'River sections' },
  grid: { zh: '变电站 / 配变负载率', en: 'Substation / transformer load' },
  parking: { zh: '停车场占用率', en: 'Parking occupancy' },
  noise: { zh: '道路噪声 · 昼 / 夜限值', en: 'Road noise · day / night limits' },
  alarms: { zh: '告警', en: 'Alarms' },
  silent: { zh: '静默 / 迟报设备', en: 'Silent / late devices' },
  noAlarms: { zh: '暂无未关闭告警', en: 'No open alarms' },
  noAlarmEngine: { zh: '告警引擎未运行', en: 'Alarm engine not running' },
  noSilent: { zh: '全部设备按时上报', en: 'Every device is reporting' },
  acknowledge: { zh: '确认', en: 'Acknowledge' },
  acknowledged: { zh: '已确认', en: 'Acknowledged' },
  ackNote: { zh: '大屏确认', en: 'acknowledged on the screen' },
  needToken: { zh: '请先设置操作员令牌', en: 'Set the operator token first' },
  ackFailed: { zh: '确认失败', en: 'Acknowledge failed' },
  'severity-critical': { zh: '紧急', en: 'Critical' },
  'severity-warning': { zh: '警告', en: 'Warning' },
  'severity-info': { zh: '提示', en: 'Info' },
  aqi: { zh: 'AQI', en: 'AQI' },
  pm25: { zh: 'PM2.5', en: 'PM2.5' },
  spark: { zh: '24小时', en: '24 h' },
  targetClass: { zh: '目标', en: 'target' },
  meets: { zh: '达标', en: 'meets' },
  fails: { zh: '超标', en: 'fails' },
  day: { zh: '昼', en: 'Day' },
  night: { zh: '夜', en: 'Night' },
  limit: { zh: '限值', en: 'limit' },
  free: { zh: '空余', en: 'free' },
  late: { zh: '迟报', en: 'late' },
  silentState: { zh: '静默', en: 'silent' },
  never: { zh: '从未上报', en: 'never reported' },
  ago: { zh: '前', en: 'ago' },
  series: { zh: '时间序列', en: 'Time series' },
  loading: { zh: '加载中…', en: 'Loading…' },
  noData: { zh: '暂无数据', en: 'No data' },
  legendGood: { zh: '良好', en: 'Good' },
  legendWatch: { zh: '关注', en: 'Watch' },
  legendBad: { zh: '超标 / 重载', en: 'Over / heavy' },
  legendSilent: { zh: '无数据', en: 'No data' },
  'family-air': { zh: '空气', en: 'Air' },
  'family-water': { zh: '水质', en: 'Water' },
  'family-grid': { zh: '电网', en: 'Grid' },
  'family-parking': { zh: '停车', en: 'Parking' },
  'family-noise': { zh: '噪声', en: 'Noise' },
  'family-voc': { zh: '挥发性有机物', en: 'VOCs' },
  'voc-within': { zh: '达标', en: 'Within limit' },
  'voc-near': { zh: '接近限值', en: 'Near limit' },
  'voc-over': { zh: '超标', en: 'Over limit' },
  'aqi-1': { zh: '优', en: 'Excellent' },
  'aqi-2': { zh: '良', en: 'Good' },
  'aqi-3': { zh: '轻度污染', en: 'Light' },
  'aqi-4': { zh: '中度污染', en: 'Moderate' },
  'aqi-5': { zh: '重度污染', en: 'Heavy' },
  'aqi-6': { zh: '严重污染', en: 'Severe' },
  'no-data': { zh: '无数据', en: 'No data' },
  'load-normal': { zh: '正常', en: 'Normal' },
  'load-medium': { zh: '较高', en: 'High' },
  'load-heavy': { zh: '重载', en: 'Heavy' },
  'load-overload': { zh: '过载', en: 'Overload' },
  'occupancy-free': { zh: '有余位', en: 'Spaces' },
  'occupancy-busy': { zh: '繁忙', en: 'Busy' },
  'occupancy-full': { zh: '已满', en: 'Full' },
  spaces: { zh: '个', en: 'spaces' },
  sections: { zh: '个断面', en: 'sections' },
  transformers: { zh: '台', en: 'transformers' },
  roads: { zh: '条道路', en: 'roads' },
  devices: { zh: '台设备', en: 'devices' },
};

const KEY = 'wanxiang.language';

export function currentLanguage() {
  return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
}

export function setLanguage(language) {
  localStorage.setItem(KEY, language);
  document.documentElement.lang = language === 'en' ? 'en' : 'zh-CN';
}

/** The label of a key in the current language (the key itself when the table has none). */
export function t(key) {
  const entry = labels[key];
  return entry ? entry[currentLanguage()] : key;
}

/** Fills every element marked data-i18n (text) or data-i18n-title (tooltip). */
export function applyLabels(root = document) {
  for (const element of root.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of root.querySelectorAll('[data-i18n-title]')) element.title = t(element.dataset.i18nTitle);
}

/** A place's name: the registry's Chinese name, or its id in English mode (ids are pinyin). */
export function placeName(chinese, id) {
  if (currentLanguage() === 'zh') return chinese;
  return id.replace(/^(aqs|lot|sub)-/, '').split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}
