import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DistrictEvent } from '../../services/events/index.ts';
import { apiCaller } from '../helpers/api-call.ts';
import { dispatchAirEvent } from '../helpers/dispatched-event.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const tokens = { zhang: 'operator-zhang-wei-figures-0123456789', reader: 'reader-figures-0123456789abcdef', urban: 'department-urban-figures-0123456789' };
const minute = 60_000;

type StageFigure = { count: number; medianS: number | null; p90S: number | null };
type Row = { week: string; by: 'department' | 'family' | 'cause'; key: string; dispatch: StageFigure; acknowledge: StageFigure; resolve: StageFigure };

/**
 * Response figures (issue 23, item 6) of an event that goes round twice: re-dispatched to another
 * department before anyone started, resolved, closed, reopened, dispatched again, resolved again.
 * Each cycle counts, each time from the dispatch it answers, and the figures API, /metrics and the
 * `events` points Grafana reads (ack_s, resolve_s, dispatch_s) say the same.
 */
describe('response figures of a reopened, re-dispatched event', () => {
  let test: TestPlatform;
  // The events' clock stands still but where the test moves it: the times measured are exact.
  const startMs = Date.now();
  let offsetMs = 0;
  const call = apiCaller(() => test.endpoints.httpUrl);

  beforeAll(async () => {
    test = await startTestPlatform({
      events: { sweepIntervalMs: 600_000 },
      http: { tokens: [{ role: 'operator', name: 'zhang.wei', token: tokens.zhang }, { role: 'reader', token: tokens.reader }, { role: 'department', name: 'urban-mgmt', token: tokens.urban }] },
    }, { now: () => startMs + offsetMs });
  }, 60_000);
  afterAll(async () => {
    await test?.close();
  });

  it('counts every cycle, each from the dispatch it answers, alike in the API, /metrics and InfluxDB', async () => {
    const id = await dispatchAirEvent(test, 'air-dongmen');
    const act = async (at: number, action: string, body: Record<string, unknown> = {}) => {
      offsetMs = at;
      const answer = await call(`/api/v1/events/${id}/${action}`, tokens.zhang, { note: action, ...body });
      expect(answer.status, action).toBe(200);
      return answer.body as unknown as DistrictEvent;
    };
    // Cycle 1: routed to the bureau at once; sent on to urban management 5 min later, which starts
    // 20 s after that (not 5 min 20 s after the first dispatch) and resolves 5 min after its dispatch.
    await act(5 * minute, 'dispatch', { department: 'urban-mgmt' });
    await act(5 * minute + 20_000, 'start');
    await act(10 * minute, 'resolve', { cause: 'device-fault' });
    await act(11 * minute, 'close');
    // Cycle 2: reopened and routed to the bureau again, which starts after 2 min and resolves after 8.
    const reopened = await act(12 * minute, 'reopen');
    expect(reopened).toMatchObject({ state: 'dispatched', department: 'eco-env' });
    await act(14 * minute, 'start');
    await act(20 * minute, 'resolve', { cause: 'real-exceedance' });

    // Asked a minute later: both cycles lie within the last week.
    offsetMs = 21 * minute;
    const figures = await call('/api/v1/events/figures?weeks=1', tokens.reader);
    const rows = figures.body.rows as Row[];
    const rowsOf = (by: Row['by'], key: string) => rows.filter((row) => row.by === by && row.key === key);
    const air = rowsOf('family', 'air');
    const countOf = (list: Row[], stage: 'dispatch' | 'acknowledge' | 'resolve') => list.reduce((sum, row) => sum + row[stage].count, 0);
    expect(countOf(air, 'acknowledge')).toBe(2);
    expect(countOf(air, 'resolve')).toBe(2);
    expect(countOf(air, 'dispatch')).toBe(2);
    // One time each (a week may turn between two of them: the rows of every week are taken).
    const onlyTime = (list: Row[], stage: 'acknowledge' | 'resolve') => list.filter((row) => row[stage].count > 0).map((row) => row[stage].medianS);
    const urban = rowsOf('department', 'urban-mgmt');
    const bureau = rowsOf('department', 'eco-env');
    expect([onlyTime(urban, 'acknowledge'), onlyTime(urban, 'resolve')]).toEqual([[20], [300]]);
    expect([onlyTime(bureau, 'acknowledge'), onlyTime(bureau, 'resolve'), countOf(bureau, 'dispatch')]).toEqual([[120], [480], 2]);
    // By cause: each round under the cause its resolution found, its dispatch and start included.
    const fault = rowsOf('cause', 'device-fault');
    const real = rowsOf('cause', 'real-exceedance');
    expect([onlyTime(fault, 'acknowledge'), onlyTime(fault, 'resolve'), countOf(fault, 'dispatch')]).toEqual([[20], [300], 1]);
    expect([onlyTime(real, 'acknowledge'), onlyTime(real, 'resolve'), countOf(real, 'dispatch')]).toEqual([[120], [480], 1]);
    expect(rows.filter((row) => row.by === 'cause').map((row) => row.key).sort()).toEqual(['device-fault', 'real-exceedance']);

    // /metrics counts the same times, to a signed-in caller (as the figures API shows them).
    const metricsFor = async (token?: string) => (await fetch(`${test.endpoints.httpUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} })).text();
    const metrics = await metricsFor(tokens.reader);
    const series = (suffix: 'count' | 'sum', stage: string, department: string, text = metrics) => {
      const line = text.split('\n').find((text) => text.startsWith(`wanxiang_event_response_seconds_${suffix}{`) && text.includes(`stage="${stage}"`) && text.includes(`department="${department}"`));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    expect([series('count', 'acknowledge', 'urban-mgmt'), series('sum', 'acknowledge', 'urban-mgmt')]).toEqual([1, 20]);
    expect([series('count', 'acknowledge', 'eco-env'), series('sum', 'acknowledge', 'eco-env')]).toEqual([1, 120]);
    expect([series('count', 'resolve', 'urban-mgmt'), series('sum', 'resolve', 'urban-mgmt')]).toEqual([1, 300]);
    expect([series('count', 'resolve', 'eco-env'), series('sum', 'resolve', 'eco-env')]).toEqual([1, 480]);
    expect(series('count', 'dispatch', 'eco-env')).toBe(2);
    // Red team 12: an anonymous reader read every department's figures there, and a department the
    // others'. Anonymous: the family is named, its series are not; a department: its own only.
    const anonymous = await metricsFor();
    expect(anonymous).toContain('# TYPE wanxiang_event_response_seconds histogram');
    expect(anonymous).not.toMatch(/^wanxiang_event_(response_seconds|escalations)\w*\{/m);
    expect(anonymous).toMatch(/^wanxiang_event_changes_total\{/m);
    const departmentText = await metricsFor(tokens.urban);
    expect([series('count', 'resolve', 'urban-mgmt', departmentText), series('count', 'resolve', 'eco-env', departmentText)]).toEqual([1, 0]);
    expect(departmentText).not.toContain('department="eco-env"');

    // And the `events` points the Grafana panels take percentiles of (written in the background: asked until all are there).
    const query = `SELECT "ack_s", "resolve_s", "dispatch_s", "department", "event_id" FROM "events" WHERE "event_id" = '${id}'`;
    let points: Array<Array<unknown>> = [];
    for (let i = 0; i < 100; i += 1) {
      points = (await test.platform.influx.query(query))[0]?.values ?? [];
      if (points.length >= reopened.timeline.length + 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const fieldOf = (column: number) => points.filter((point) => point[column] !== null).map((point) => [point[column], point[4]]);
    expect(fieldOf(1)).toEqual([[20, 'urban-mgmt'], [120, 'eco-env']]);
    expect(fieldOf(2)).toEqual([[300, 'urban-mgmt'], [480, 'eco-env']]);
    expect(fieldOf(3)).toEqual([[0, 'eco-env'], [0, 'eco-env']]);
    // Grafana groups resolve_s by the cause tag.
    const causes = (await test.platform.influx.query(`SELECT "resolve_s", "cause" FROM "events" WHERE "event_id" = '${id}' AND "kind" = 'resolved'`))[0]?.values ?? [];
    expect(causes.map((point) => [point[1], point[2]])).toEqual([[300, 'device-fault'], [480, 'real-exceedance']]);
  });
});
