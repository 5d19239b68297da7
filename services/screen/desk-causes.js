// Resolution causes on the duty desk (docs/events.md "Resolution causes"): the list comes from the
// API (GET /api/v1/departments `causes`), so the desk names no cause of its own.
const causes = [];
const NOT_RECORDED = 'not-recorded';

/** Keeps the API's list and fills the resolve form's and the filter's choices from it. */
export function setCauses(list, resolveSelect, filterSelect) {
  causes.splice(0, causes.length, ...list);
  for (const cause of list) {
    resolveSelect.add(new window.Option(`${cause.zh} ${cause.en}`, cause.id));
    filterSelect.add(new window.Option(`${cause.zh} ${cause.en}`, cause.id));
  }
  filterSelect.add(new window.Option('未记录 not recorded', NOT_RECORDED));
}

/** A cause as the desk shows it; a resolution made before causes were kept says so. */
export function causeText(id) {
  if (id == null || id === NOT_RECORDED) return '未记录 not recorded';
  const cause = causes.find((known) => known.id === id);
  return cause ? `${cause.zh} ${cause.en}` : id;
}

/** A resolved entry's cause on the timeline: every resolution has one, or says it has none. */
export const recordCause = (record) => (record.kind === 'resolved' ? `[原因 cause: ${causeText(record.cause)}]` : '');

/**
 * The review marks a device fault or maintenance suggests (the API's `suggestedReviewMarks`), as a
 * line pointing to the review page: an officer takes them there, the desk takes none.
 */
export function reviewHint(element, marks) {
  element.hidden = !marks || marks.length === 0;
  if (element.hidden) return;
  const beijing = (iso) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(5, 16).replace('T', ' ');
  const text = marks.map((mark) => `${mark.device} ${beijing(mark.from)} – ${beijing(mark.to)} (${mark.reason})`).join('; ');
  element.replaceChildren(`建议审核标记 Suggested review marks: ${text} → `);
  const link = document.createElement('a');
  link.href = '/review';
  link.textContent = '数据审核 Review';
  element.append(link);
}
