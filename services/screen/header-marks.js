import { getJson } from './api.js';
import { setText } from './dom.js';
import { currentLanguage } from './i18n.js';

// One formatter a language: toLocaleString builds one at every call, and the clock is drawn every second.
const clockFormats = new Map();

/** The header's clock: the date and time in Beijing, in the page's language. */
export function drawClock(element, now) {
  const language = currentLanguage() === 'en' ? 'en-GB' : 'zh-CN';
  if (!clockFormats.has(language)) clockFormats.set(language, new Intl.DateTimeFormat(language, { timeZone: 'Asia/Shanghai', hour12: false, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }));
  setText(element, clockFormats.get(language).format(new Date(now)));
}

/** Issue 23, item 4: late and escalated events marked on the wall (counts only; the desk has the rest). */
export async function loadEventMarks(badge) {
  const marks = await getJson('/api/v1/events/marks').catch(() => null);
  if (badge.hidden !== (!marks || marks.overdue === 0)) badge.hidden = !marks || marks.overdue === 0;
  setText(badge, marks ? ` ⚠ ${marks.overdue}` : '');
  const title = marks ? `${marks.overdue} 超时/升级 overdue or escalated, ${marks.open} 未办结 not closed` : '';
  if (badge.title !== title) badge.title = title;
}
