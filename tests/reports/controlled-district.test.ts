import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../services/compliance/compliance.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { formatMarkdown } from '../../services/compliance/report-format.ts';
import type { OfficialReport } from '../../services/reports/official-report.ts';
import { latinOutsideTokens } from '../helpers/one-language.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// Issue 22 items 2 and 3, on readings chosen by hand (six stations, two days of March 2025, every
// 5 minutes) through the real ingest, rollups and InfluxDB: two stations with the same readings
// share a rank; each figure lists only the review marks that changed what it is computed from.
const day1 = Date.parse('2025-03-10T00:00:00+08:00');
const day2 = day1 + 86_400_000;
const hourMs = 3_600_000;
const tokens = { officer: 'officer-token-0123456789abcdef' };
type Reading = { ts: number; pm25: number; pm10: number; so2: number; no2: number; o3: number; co: number };

describe('a district of readings chosen by hand: ranks and the marks that moved a figure', () => {
  let test: TestPlatform;
  let stations: DeviceRecord[];
  const api = async <T>(path: string, init: { method?: string; body?: unknown } = {}) => {
    const response = await fetch(`${test.endpoints.httpUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: init.body === undefined ? {} : { authorization: `Bearer ${tokens.officer}`, 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const rows = async (query: string) => (await test.platform.influx.query(query)).flatMap((s) => s.values.map((row) => Object.fromEntries(s.columns.map((column, i) => [column, row[i]]))));

  /** Two days every 5 minutes; `pm25` the station's level, `change` what a reading differs by. */
  function readings(pm25: number, change: (ts: number) => Partial<Reading> = () => ({})): Reading[] {
    return Array.from({ length: 2 * 288 }, (_, i) => {
      const ts = day1 + i * 300_000;
      return { ts, pm25, pm10: 50, so2: 5, no2: 20, o3: 60, co: 0.5, ...change(ts) };
    });
  }

  beforeAll(async () => {
    test = await startTestPlatform({
      ingest: { maxAgeMs: 10 * 365 * 86_400_000 },
      rollups: { enabled: true, intervalMs: 300 },
      http: { tokens: [{ role: 'officer', token: tokens.officer }] },
    });
    stations = test.platform.registry.devices.filter((device) => device.family === 'air').slice(0, 6);
    const inHours = (ts: number, day: number, from: number, to: number) => ts >= day + from * hourMs && ts < day + to * hourMs;
    const plans = [
      readings(30), // A and B: the same readings, the same index
      readings(30),
      readings(32, (ts) => (inHours(ts, day2, 9, 11) ? { pm25: 92 } : {})), // C: a calibration gas on PM2.5, 09-11 of day 2
      readings(35), // D: a power cut 12-14 of day 2 leaves its day as it was (constant readings, 22 valid hours)
      readings(36, (ts) => (inHours(ts, day1, 0, 24) ? { pm10: 1_000 } : {})), // E: a PM10 analyser fault all day 1
      readings(38),
    ];
    for (const [i, station] of stations.entries()) {
      const client = await test.connect(station);
      const topic = test.topics.build('air', station.id, 'telemetry');
      const plan = plans[i]!;
      for (let k = 0; k < plan.length; k += 100) await client.publishAsync(topic, JSON.stringify(plan.slice(k, k + 100)), { qos: 1 });
    }
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(day1, day2 + 86_400_000);
  }, 240_000);
  afterAll(async () => {
    await test?.close();
  });

  it('marks a month without enough valid days as such in the plan table, never a bare figure (GB 3095 Table 4: 27 days)', async () => {
    const { status, body } = await api<OfficialReport>('/api/v1/reports/plan?period=2025&lang=zh');
    expect(status).toBe(200);
    const pm25 = body.tables[0]!.rows.find((row) => row.targetId === 'pm25-annual-mean')!;
    const march = body.compliance!.targets.find((t) => t.id === 'pm25-annual-mean')!;
    // Two valid days of March 2025: the year is not valid (324 days), and neither is March (27).
    expect(march.status).toBe('insufficient data');
    expect(pm25.m3).toMatch(/^数据不足（\d+(\.\d)?）$/);
    // A month gone by without a valid day falls short too: blank, it read like a month still to come.
    expect([pm25.m1, pm25.m2, pm25.m4]).toEqual(['数据不足', '数据不足', '数据不足']);
    const en = await api<OfficialReport>('/api/v1/reports/plan?period=2025&lang=en');
    expect(en.body.tables[0]!.rows.find((row) => row.targetId === 'pm25-annual-mean')!.m12).toBe('insufficient data');
    // The printable page's monthly PM2.5 chart draws no bar for it.
    const page = await fetch(`${test.endpoints.httpUrl}/report?period=2025&lang=zh`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('月均PM₂.₅浓度与年度目标');
    expect(html).not.toMatch(/<rect [^>]*fill="#(3a7bd5|d9534f)"/);
    // And each of those months says why its slot is empty.
    expect(html.match(/<text class="insufficient"[^>]*>数据不足<\/text>/g)).toHaveLength(12);
  });

  it('gives places with the same printed index the same rank (1, 1, 3, …)', async () => {
    const { status, body } = await api<OfficialReport>('/api/v1/reports/ranking?period=2025-03&lang=en');
    expect(status).toBe(200);
    const ranking = body.tables[0]!;
    for (const kind of ['station', 'street']) {
      const rows = ranking.rows.filter((row) => row.kind === kind);
      expect(rows.map((row) => row.rank), kind).toEqual([1, 1, 3, 4, 5, 6]);
      expect(rows[0]!.index, kind).toBe(rows[1]!.index);
      expect(rows[1]!.index, kind).not.toBe(rows[2]!.index);
    }
  });

  it('lists under each figure only the marks that changed its inputs', async () => {
    const [a, , c, d, e] = stations as [DeviceRecord, DeviceRecord, DeviceRecord, DeviceRecord, DeviceRecord];
    const mark = async (body: Record<string, unknown>) => {
      const answer = await api<{ id: string }>('/api/v1/review/marks', { method: 'POST', body });
      expect(answer.status).toBe(201);
      return answer.body.id;
    };
    const calibration = await mark({ device: c.id, from: '2025-03-11T09:00', to: '2025-03-11T11:00', fields: ['pm25_ugm3'], reason: 'calibration', comment: '跨度校准' });
    const power = await mark({ device: d.id, from: '2025-03-11T12:00', to: '2025-03-11T14:00', reason: 'power', comment: '停电' });
    const fault = await mark({ device: e.id, from: '2025-03-10', to: '2025-03-11', fields: ['pm10_ugm3'], reason: 'fault', comment: 'PM10分析仪故障' });
    // A PM2.5 mark on another station, over hours without readings: it changes nothing anywhere.
    const idle = await mark({ device: a.id, from: '2025-03-12T09:00', to: '2025-03-12T10:00', fields: ['pm25_ugm3'], reason: 'maintenance' });
    // The engine's next runs take the marks: E's day 1 loses PM10, C's day 2 its calibration hours, D's day 2 two hours.
    await expect.poll(async () => {
      const [eDay] = await rows(`SELECT "fields_present" FROM "air_daily" WHERE "device" = '${e.id}' AND time = ${day1}ms`);
      const [cDay] = await rows(`SELECT "pm25_ugm3" FROM "air_daily" WHERE "device" = '${c.id}' AND time = ${day2}ms`);
      const [dDay] = await rows(`SELECT "valid_hours" FROM "air_daily" WHERE "device" = '${d.id}' AND time = ${day2}ms`);
      return [String(eDay?.fields_present).includes('pm10_ugm3'), cDay?.pm25_ugm3, dDay?.valid_hours];
    }, { timeout: 60_000, interval: 250 }).toEqual([false, 32, 22]);

    const { body } = await api<ComplianceReport>('/api/v1/compliance?period=2025-03');
    const target = (id: string) => body.targets.find((t) => t.id === id)!;
    // PM2.5: day 2's district mean falls with C's calibration hours out (34.33 → 33.5): only that mark.
    expect([target('pm25-annual-mean').unreviewedValue, target('pm25-annual-mean').value]).toEqual([33.9, 33.5]);
    expect(target('pm25-annual-mean').reviewMarks!.map((m) => m.id)).toEqual([calibration]);
    // Good days: day 1 is good once E's faulty PM10 is out (AQI 129 → 50); day 2's AQI (50) never moved.
    expect([target('good-air-day-ratio').unreviewedValue, target('good-air-day-ratio').value]).toEqual([50, 100]);
    expect(target('good-air-day-ratio').reviewMarks!.map((m) => m.id)).toEqual([fault]);
    for (const t of body.targets) for (const id of [power, idle]) expect((t.reviewMarks ?? []).map((m) => m.id), `${t.id} ${id}`).not.toContain(id);

    // Issue 22 item 1: in a Chinese report the reasons are named in Chinese after their HJ 212 flags, the places
    // and the fields by their names, the officer by role; only the marks' ids are not Chinese.
    const zh = formatMarkdown(body, 'zh');
    const section = zh.slice(zh.indexOf('## 影响结果的审核标记'), zh.indexOf('\n## ', zh.indexOf('## 影响结果的审核标记')));
    expect(section).toContain(`- ${calibration}：${c.siteName}，2025-03-11 09:00 至 2025-03-11 11:00（北京时间），PM2.5；原因：校准（HJ 212 标识 C）；说明：跨度校准；标记人：审核员；影响：PM2.5年均浓度`);
    expect(section).toContain('原因：仪器故障（HJ 212 标识 D）');
    expect(latinOutsideTokens(section.replaceAll(calibration, '').replaceAll(fault, ''))).toEqual([]);
    expect(formatMarkdown(body, 'en')).toContain(`reason: calibration (HJ 212 flag C); comment: 跨度校准; by officer; moves PM2.5 annual mean concentration`);
  }, 120_000);
});
