/**
 * The event metrics labelled by department (how fast each department acknowledged and resolved,
 * and when it was late) are what `/api/v1/events/figures` shows to a signed-in caller only, and to a
 * department only of its own (issue 23, item 3). `/metrics` is a read like the district's readings,
 * so it narrows those series the same way (red team 12: an anonymous reader and every department read
 * every department's figures there).
 */
export const departmentMetricNames: readonly string[] = ['wanxiang_event_escalations_total', 'wanxiang_event_response_seconds'];

const seriesSuffixes = ['_bucket', '_sum', '_count'];

/** The metric family a sample line belongs to, or null for a comment or a blank line. */
function familyOf(line: string): string | null {
  if (line === '' || line.startsWith('#')) return null;
  const end = line.search(/[{ ]/);
  const name = end === -1 ? line : line.slice(0, end);
  const suffix = seriesSuffixes.find((candidate) => name.endsWith(candidate) && departmentMetricNames.includes(name.slice(0, -candidate.length)));
  return suffix ? name.slice(0, -suffix.length) : name;
}

/** The `department` label's value of a sample line (exposition escapes: \\ \" \n), or null. */
function departmentOf(line: string): string | null {
  const match = /[{,]department="((?:[^"\\]|\\.)*)"/.exec(line);
  return match ? match[1]!.replace(/\\(.)/g, (_all, escaped: string) => (escaped === 'n' ? '\n' : escaped)) : null;
}

/**
 * The exposition text with the department-labelled event samples kept only where `mayRead` says so;
 * their HELP and TYPE lines stay, so a scraper sees the family with no series rather than none.
 */
export function narrowDepartmentSeries(text: string, mayRead: (department: string) => boolean): string {
  return text.split('\n').filter((line) => {
    const family = familyOf(line);
    if (family === null || !departmentMetricNames.includes(family)) return true;
    const department = departmentOf(line);
    return department === null || mayRead(department);
  }).join('\n');
}
