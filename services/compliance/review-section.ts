import { markReasons, type MarkReason } from '../review/mark-schema.ts';
import { beijingMinuteText } from '../standards/index.ts';
import type { ComplianceReport, ReviewMarkSummary } from './compliance.ts';
import { markdownText } from './markdown-text.ts';

type Lang = 'zh' | 'en';
const say = (lang: Lang, zh: string, en: string) => (lang === 'zh' ? zh : en);

/** The fields a mark names, as a report says them (the raw field ids are the API's). */
const fieldNames: Readonly<Record<string, readonly [string, string]>> = {
  pm25_ugm3: ['PM2.5', 'PM2.5'], pm10_ugm3: ['PM10', 'PM10'], so2_ugm3: ['SO₂', 'SO₂'], no2_ugm3: ['NO₂', 'NO₂'], o3_ugm3: ['O₃', 'O₃'], co_mgm3: ['CO', 'CO'],
  ph: ['pH', 'pH'], do_mgl: ['溶解氧', 'DO'], codmn_mgl: ['高锰酸盐指数', 'CODMn'], cod_mgl: ['化学需氧量', 'COD'], nh3n_mgl: ['氨氮', 'NH₃-N'], tp_mgl: ['总磷', 'TP'], tn_mgl: ['总氮', 'TN'],
};
const fieldText = (field: string, lang: Lang) => (fieldNames[field] ? say(lang, ...fieldNames[field]) : field);

/** A mark's reason in the language, with its HJ 212-2017 data flag where it has one (校准（HJ 212 标识 C）). */
export function reasonText(reason: string, flag: string | null, lang: Lang): string {
  const names = markReasons[reason as MarkReason];
  const name = names ? names[lang] : reason;
  if (!flag) return name;
  return say(lang, `${name}（HJ 212 标识 ${flag}）`, `${name} (HJ 212 flag ${flag})`);
}

/** Who marked, as the API names them (`officer:li.na`, or the role alone): the role in Chinese in a Chinese report. */
function byText(by: string, lang: Lang): string {
  if (lang === 'en') return markdownText(by);
  const roles: Readonly<Record<string, string>> = { officer: '审核员', admin: '管理员' };
  const [role, ...name] = by.split(':');
  return roles[role!] ? `${roles[role!]}${name.length ? ` ${markdownText(name.join(':'))}` : ''}` : markdownText(by);
}

function markLine(mark: ReviewMarkSummary, targets: readonly string[], lang: Lang): string {
  const beijing = (iso: string) => beijingMinuteText(Date.parse(iso));
  const places = (mark.places ?? mark.devices.map((id) => ({ zh: id, en: id }))).map((place) => place[lang]).join(say(lang, '、', ', '));
  const named = mark.fields.map((field) => fieldText(field, lang)).join(say(lang, '、', ', '));
  // A derived field goes with the raw field it is computed from (the load rate with the active power): the line says so.
  const derived = (mark.derivedFields ?? []).map((field) => fieldText(field, lang)).join(say(lang, '、', ', '));
  const withDerived = derived ? say(lang, `${named}（及由其计算的 ${derived}）`, `${named} (and ${derived}, computed from it)`) : named;
  const fields = mark.fields.length ? withDerived : say(lang, '全部项目', 'all fields');
  // The officer's comment and name are their own words: one inline run each (markdown-text.ts).
  const comment = mark.comment ? say(lang, `；说明：${markdownText(mark.comment)}`, `; comment: ${markdownText(mark.comment)}`) : '';
  return lang === 'zh'
    ? `- ${mark.id}：${places}，${beijing(mark.from)} 至 ${beijing(mark.to)}（北京时间），${fields}；原因：${reasonText(mark.reason, mark.flag, lang)}${comment}；标记人：${byText(mark.by, lang)}；影响：${targets.join('、')}`
    : `- ${mark.id}: ${places}, ${beijing(mark.from)} to ${beijing(mark.to)} (Beijing time), ${fields}; reason: ${reasonText(mark.reason, mark.flag, lang)}${comment}; by ${byText(mark.by, lang)}; moves ${targets.join(', ')}`;
}

/** The marks that moved a figure, each once, with the figures it moved (issue 22 item 2). */
export function reviewSection(report: ComplianceReport, lang: Lang): string[] {
  const marks = new Map<string, { mark: ReviewMarkSummary; targets: string[] }>();
  for (const t of report.targets) {
    for (const mark of t.reviewMarks ?? []) (marks.get(mark.id) ?? marks.set(mark.id, { mark, targets: [] }).get(mark.id)!).targets.push(lang === 'zh' ? t.nameZh : t.nameEn);
  }
  if (marks.size === 0) return [];
  return [say(lang, '## 影响结果的审核标记', '## Review marks that moved a figure'), '', ...[...marks.values()].map(({ mark, targets }) => markLine(mark, targets, lang)), ''];
}
