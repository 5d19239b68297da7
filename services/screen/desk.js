// The duty desk (issue 23, item 5): events with filters and search, one event's timeline, the
// actions the signed-in role may take, and a printable shift handover. Same origin, JSON, the
// token in sessionStorage under the wall's key, sent as a bearer token (actions need the header).
import { causeText, recordCause, reviewHint, setCauses } from './desk-causes.js';

const TOKEN = 'wanxiang.operatorToken';
const $ = (id) => document.getElementById(id);
// `oldestSeq`: the seq of the oldest timeline entry shown; older ones are paged in by "load older".
const state = { me: null, departments: [], selected: null, oldestSeq: 0 };

const token = () => sessionStorage.getItem(TOKEN);
function headers(json) {
  const result = { accept: 'application/json' };
  if (json) result['content-type'] = 'application/json';
  if (token()) result.authorization = `Bearer ${token()}`;
  return result;
}
async function call(path, body) {
  const response = await fetch(path, body === undefined ? { headers: headers(false) } : { method: 'POST', headers: headers(true), body: JSON.stringify(body) });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(answer.message ?? String(response.status)), { code: answer.code, status: response.status });
  return answer;
}

const say = (text) => { $('message').textContent = text; };
const beijing = (ms) => (ms == null ? '—' : new Date(ms + 8 * 3_600_000).toISOString().slice(5, 16).replace('T', ' '));
const departmentName = (id) => state.departments.find((department) => department.id === id)?.nameZh ?? id ?? '—';
function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

async function loadMe() {
  try {
    state.me = await call('/api/v1/people/me');
    $('who').textContent = `${state.me.name} · ${state.me.role}${state.me.department ? ` · ${departmentName(state.me.department)}` : ''}`;
  } catch {
    state.me = null;
    $('who').textContent = '未登录 not signed in';
  }
}

async function loadDepartments() {
  const { departments, families, causes } = await call('/api/v1/departments');
  state.departments = departments;
  setCauses(causes ?? [], $('a-cause'), $('f-cause'));
  // Every family of the platform (issue 25): a new family is filterable without a desk edit.
  for (const family of families ?? []) $('f-family').add(new window.Option(family, family));
  for (const select of [$('f-department'), $('a-department')]) {
    for (const department of departments) select.add(new window.Option(`${department.nameZh} ${department.id}`, department.id));
  }
}

function query() {
  const params = new URLSearchParams();
  for (const [key, id] of [['state', 'f-state'], ['family', 'f-family'], ['department', 'f-department'], ['cause', 'f-cause'], ['q', 'f-q']]) if ($(id).value) params.set(key, $(id).value);
  if ($('f-overdue').checked) params.set('overdue', 'true');
  return params.toString();
}

async function loadList() {
  const { events } = await call(`/api/v1/events?${query()}`);
  const body = $('events');
  body.replaceChildren();
  for (const event of events) {
    const row = body.insertRow();
    row.dataset.id = event.id;
    if (event.overdue) row.classList.add('overdue');
    if (event.id === state.selected) row.classList.add('selected');
    cell(row, `${event.titleZh} (${event.alarms.length})`);
    cell(row, event.state, 'state');
    cell(row, departmentName(event.department));
    cell(row, event.severity);
    cell(row, beijing(event.updatedAtMs));
    row.addEventListener('click', () => void select(event.id));
  }
  if (events.length === 0) say('没有事件 No events');
}

const recordText = (record) => {
  const parts = [record.kind];
  if (record.department) parts.push(`→ ${departmentName(record.department)}`);
  if (record.reason) parts.push(`${record.reason}${record.to ? ` → ${departmentName(record.to)}` : ''}`);
  if (record.alarm) parts.push(record.alarm.textZh);
  if (record.kind === 'severity-raised') parts.push(`${record.from} → ${record.severity}: ${record.titleZh}`);
  // A flapping device's joins, one entry (docs/events.md): how often, and since when.
  if (record.run) parts.push(`×${record.run.count} 次, 自 since ${beijing(record.run.firstAtMs)}`);
  if (record.kind === 'resolved') parts.push(recordCause(record));
  if (record.note) parts.push(`“${record.note}”`);
  return parts.join(' ');
};

function timelineItems(records) {
  const items = document.createDocumentFragment();
  for (const record of records) {
    const item = document.createElement('li');
    const by = document.createElement('span');
    by.className = 'by';
    by.textContent = record.by;
    item.append(`${beijing(record.atMs)} `, by, ` ${recordText(record)}`);
    items.append(item);
  }
  return items;
}

/** The "load older" control: shown while entries older than those on the page exist (their seq counts them). */
function showOlder(oldestSeq) {
  state.oldestSeq = oldestSeq;
  // Numbered as on the whole timeline: the first shown is entry seq + 1.
  $('d-timeline').start = oldestSeq + 1;
  $('d-older').hidden = oldestSeq === 0;
  $('d-older').textContent = `更早 Load older (${oldestSeq} more)`;
}

async function select(id) {
  state.selected = id;
  const event = await call(`/api/v1/events/${encodeURIComponent(id)}`);
  if (state.selected !== id) return;
  $('detail').hidden = false;
  $('d-title').textContent = `${event.titleZh} · ${event.titleEn}`;
  $('d-meta').textContent = `${event.id} · ${event.state} · ${departmentName(event.department)} · 响应时限 ${beijing(event.ackDueAtMs)} · 办结时限 ${beijing(event.resolveDueAtMs)}${event.overdue ? ' · ⚠ 超时 overdue' : ''}${event.state === 'resolved' || event.state === 'closed' ? ` · 原因 cause: ${event.resolvedAtMs == null ? '—' : causeText(event.cause)}` : ''} · ${event.timelineTotal} 条 entries`;
  reviewHint($('d-review'), event.suggestedReviewMarks);
  // The newest entries only (the API answers at most 200): older ones page in on request.
  const list = $('d-timeline');
  list.replaceChildren(timelineItems(event.timeline));
  list.scrollTop = list.scrollHeight;
  showOlder(event.timeline[0]?.seq ?? 0);
  // Actions for the roles that may act: an operator or an admin; a department and a reader only read.
  $('actions').hidden = !(state.me && (state.me.role === 'operator' || state.me.role === 'admin'));
  for (const row of $('events').rows) row.classList.toggle('selected', row.dataset.id === id);
}

async function loadOlder() {
  const id = state.selected;
  if (!id || state.oldestSeq === 0) return;
  $('d-older').disabled = true;
  try {
    const page = await call(`/api/v1/events/${encodeURIComponent(id)}/timeline?before=${state.oldestSeq}`);
    if (state.selected !== id) return;
    // Put before what is shown, keeping the entries in view where they were.
    const list = $('d-timeline');
    const fromBottom = list.scrollHeight - list.scrollTop;
    list.prepend(timelineItems(page.timeline));
    list.scrollTop = list.scrollHeight - fromBottom;
    showOlder(page.timeline[0]?.seq ?? 0);
  } finally {
    $('d-older').disabled = false;
  }
}

async function act(action) {
  if (!state.selected) return;
  const body = { note: $('a-note').value };
  if (action === 'dispatch' && $('a-department').value) body.department = $('a-department').value;
  if (action === 'resolve') {
    // Asked before sending: the API would refuse it (WX_ERR_UNKNOWN_CAUSE), and the form can say which field.
    if (!$('a-cause').value) return say('办结需选择原因 Choose a cause to resolve');
    body.cause = $('a-cause').value;
  }
  try {
    await call(`/api/v1/events/${encodeURIComponent(state.selected)}/${action}`, body);
    $('a-note').value = '';
    $('a-cause').value = '';
    say(`${action}: ok`);
    await select(state.selected);
    await loadList();
  } catch (error) {
    say(`${action}: ${error.code ?? ''} ${error.message}`);
  }
}

function handoverSection(title, events) {
  const section = document.createElement('section');
  const heading = document.createElement('h3');
  heading.textContent = `${title} (${events.length})`;
  const table = document.createElement('table');
  // A printed handover is read away from the desk: each column named, and when each event began.
  const head = table.createTHead().insertRow();
  for (const name of ['事件 Event', '标题 Title', '状态 State', '部门 Department', '发生 Opened', '超时 Overdue']) head.appendChild(document.createElement('th')).textContent = name;
  const body = table.createTBody();
  for (const event of events) {
    const row = body.insertRow();
    cell(row, event.id);
    cell(row, event.titleZh);
    cell(row, event.state);
    cell(row, departmentName(event.department));
    cell(row, beijing(event.openedAtMs));
    cell(row, event.overdue ? '超时 overdue' : '');
  }
  section.append(heading, table);
  return section;
}

async function handover() {
  const summary = await call(`/api/v1/events/handover?hours=${Number($('shift-hours').value) || 12}`);
  // With its year and zone: the paper outlives the shift (beijing() alone gives month, day and time).
  const year = (ms) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 4);
  $('h-range').textContent = `${year(summary.fromMs)}-${beijing(summary.fromMs)} – ${year(summary.toMs)}-${beijing(summary.toMs)}（北京时间 Beijing time）`;
  $('h-body').replaceChildren(
    handoverSection('本班新增 Opened this shift', summary.opened),
    handoverSection('本班办结 Closed this shift', summary.closed),
    handoverSection('仍未办结 Still open', summary.stillOpen),
    handoverSection('超时 Overdue', summary.overdue),
  );
  $('handover').hidden = false;
}

// Issue 23, item 6: the figures the API computes (GET /api/v1/events/figures), as minutes.
const minutes = (seconds) => (seconds == null ? '—' : (seconds / 60).toFixed(seconds < 600 ? 1 : 0));
const stage = (figure) => (figure.count === 0 ? '—' : `${minutes(figure.medianS)} / ${minutes(figure.p90S)} (${figure.count})`);

async function figures() {
  const answer = await call('/api/v1/events/figures?weeks=4');
  $('g-range').textContent = `${beijing(answer.fromMs)} – ${beijing(answer.toMs)}`;
  const body = $('g-body');
  body.replaceChildren();
  for (const row of answer.rows) {
    const tr = body.insertRow();
    cell(tr, row.week);
    cell(tr, { department: '部门 department', family: '类别 family', cause: '原因 cause' }[row.by] ?? row.by);
    cell(tr, row.by === 'department' ? departmentName(row.key) : row.by === 'cause' ? causeText(row.key) : row.key);
    for (const name of ['dispatch', 'acknowledge', 'resolve']) cell(tr, stage(row[name]), `figure-${name}`);
  }
  $('figures').hidden = false;
}

async function refresh() {
  say('');
  // Events name people: they are read with a token, so nothing is asked before one is given.
  if (!token()) {
    say('请输入令牌 A token is needed to read events');
    return;
  }
  try {
    await loadMe();
    if (state.departments.length === 0) await loadDepartments();
    await loadList();
    if (state.selected) await select(state.selected);
  } catch (error) {
    say(error.status === 401 ? '请输入令牌 A token is needed to read events' : `${error.code ?? ''} ${error.message}`);
  }
}

$('token-form').addEventListener('submit', (submitted) => {
  submitted.preventDefault();
  sessionStorage.setItem(TOKEN, $('token').value.trim());
  $('token').value = '';
  void refresh();
});
$('filters').addEventListener('submit', (submitted) => {
  submitted.preventDefault();
  void loadList().catch((error) => say(`${error.code ?? ''} ${error.message}`));
});
$('handover-button').addEventListener('click', () => void handover().catch((error) => say(`${error.code ?? ''} ${error.message}`)));
$('figures-button').addEventListener('click', () => void figures().catch((error) => say(`${error.code ?? ''} ${error.message}`)));
$('print-button').addEventListener('click', () => window.print());
$('d-older').addEventListener('click', () => void loadOlder().catch((error) => say(`${error.code ?? ''} ${error.message}`)));
for (const button of $('actions').querySelectorAll('button[data-action]')) button.addEventListener('click', () => void act(button.dataset.action));
void refresh();
setInterval(() => void loadList().catch(() => undefined), 15_000);
