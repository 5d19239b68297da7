import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/** A 6 KB batch of 500 readings, every one of them out of range. */
const badBatch = () => JSON.stringify(Array.from({ length: 500 }, () => ({ pm25: -1 })));

describe('refusals do not amplify writes (issue 18, item 10)', () => {
  let test: TestPlatform;
  const logLines: string[] = [];

  beforeAll(async () => {
    test = await startTestPlatform({ deadLetter: { maxFileBytes: 32_768, maxFiles: 2, deviceBytesPerMinute: 16_384, deviceLogLinesPerMinute: 5, summaryIntervalMs: 300 } }, { logLines });
  });
  afterAll(async () => {
    await test?.close();
  });

  const deadLetters = async () => {
    const dir = dirname(test.platform.ingest.deadLetterPath);
    const lines: Array<Record<string, unknown>> = [];
    for (const name of await readdir(dir)) {
      const text = await readFile(join(dir, name), 'utf8');
      for (const line of text.trim().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    return lines;
  };
  const warnLinesOf = (device: string) => logLines.map((line) => JSON.parse(line) as { level: number; device?: string }).filter((line) => line.level === 40 && line.device === device);

  it('one batch of 500 bad readings makes one dead-letter record and one warn line, naming its problems and counting all 500', async () => {
    const station = await test.connect(test.device('air-dongmen'));
    const payload = badBatch();
    expect(payload.length).toBeLessThan(6_500);
    await station.publishAsync(test.topics.build('air', 'air-dongmen', 'telemetry'), payload, { qos: 1 });
    const records = (await deadLetters()).filter((record) => record.device === 'air-dongmen');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ code: 'WX_ERR_OUT_OF_RANGE', readings: 500, problemsNotNamed: 480 });
    expect(records[0]!.problems).toHaveLength(20);
    expect(warnLinesOf('air-dongmen')).toHaveLength(1);
    expect(await test.metric('wanxiang_readings_rejected_total', { reason: 'WX_ERR_OUT_OF_RANGE' })).toBe(500);
    expect(test.platform.ingest.rejections.byDevice()['air-dongmen']).toEqual({ WX_ERR_OUT_OF_RANGE: 500 });
  });

  it('a flood from one device does not rotate away another device’s evidence nor drown the log, and is summarised', async () => {
    const witness = await test.connect(test.device('air-nanhu'));
    await witness.publishAsync(test.topics.build('air', 'air-nanhu', 'telemetry'), JSON.stringify({ pm25: 'evidence' }), { qos: 1 });
    const flooder = await test.connect(test.device('air-guiyuan'));
    const topic = test.topics.build('air', 'air-guiyuan', 'telemetry');
    const payload = badBatch();
    // 60 × 6 KB: without budgets, 360 KB of records, rotating the 2 × 32 KB files over and over.
    for (let i = 0; i < 60; i += 1) await flooder.publishAsync(topic, payload, { qos: 1 });
    const records = await deadLetters();
    expect(records.filter((record) => record.device === 'air-nanhu')).toMatchObject([{ code: 'WX_ERR_WRONG_TYPE' }]);
    expect(records.filter((record) => record.device === 'air-guiyuan').length).toBeLessThan(10);
    expect(warnLinesOf('air-guiyuan')).toHaveLength(5);
    expect(await test.metric('wanxiang_readings_rejected_total', { reason: 'WX_ERR_OUT_OF_RANGE' })).toBe(500 + 60 * 500);
    expect(await test.metric('wanxiang_refusal_records_suppressed_total', { kind: 'dead_letter' })).toBeGreaterThan(50);
    expect(await test.metric('wanxiang_refusal_records_suppressed_total', { kind: 'log' })).toBe(55);
    // The summaries (one every 300 ms here) together name every line held back.
    await vi.waitFor(() => {
      const summaries = logLines.map((line) => JSON.parse(line) as { msg: string; top?: Array<{ device: string; lines: number }> }).filter((line) => line.msg.includes('held back'));
      const held = summaries.flatMap((summary) => summary.top ?? []).filter((entry) => entry.device === 'air-guiyuan');
      expect(held.reduce((sum, entry) => sum + entry.lines, 0)).toBe(55);
    }, { timeout: 10_000 });
  });
});
