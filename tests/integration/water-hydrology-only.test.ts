import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCompliance } from '../../services/compliance/compliance.ts';
import { loadTargets } from '../../services/compliance/targets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * A section's class comes from the GB 3838-2002 items that take part in it (the 21 items,
 * 环办〔2011〕22号: not TN, water temperature or fecal coliform). A section whose day or month holds
 * only readings without any of them (a gauge's level and flow, water temperature, TN) has no class
 * for it: no figure, never an error. evaluateWaterSection refuses such a sample
 * (WX_ERR_EMPTY_READING), and the water rollup and the compliance evaluation passed it on, so one
 * section's gauge readings left every section of the district without its day's and month's class.
 */
describe('water: a section with readings but no item of the class', () => {
  let test: TestPlatform;
  const gauge = 'water-buji-river-mouth';
  const sampled = 'water-shenzhen-river-mouth';

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('has no class for it, while every other section gets its own; the compliance report still evaluates', async () => {
    const at = Date.now() - 10 * 60_000;
    for (const [id, values] of [[gauge, { level: 2.5, flow: 3.1, waterTemperature: 24, tn: 4.2 }], [sampled, { ph: 7.2, do: 4.0, codmn: 3.0, nh3n: 0.3, tp: 0.02 }]] as const) {
      const client = await test.connect(test.device(id));
      await client.publishAsync(test.topics.build('water', id, 'telemetry'), JSON.stringify({ ts: at, ...values }), { qos: 1 });
    }
    await test.platform.ingest.drain();
    await test.platform.rollups.runOnce();
    const classes = await test.platform.influx.query(`SELECT "class" FROM "water_daily" WHERE time > now() - 2d GROUP BY "device"`);
    const byDevice = new Map(classes.map((s) => [s.tags?.device, s.values[0]?.[1]]));
    // DO 4.0 ≥ 3 (Class IV) and < 5 (III): Class IV by the single-factor method.
    expect(byDevice.get(sampled)).toBe('IV');
    expect(byDevice.has(gauge)).toBe(false);
    const monthly = await test.platform.influx.query(`SELECT "class" FROM "water_monthly" WHERE "device" = '${sampled}'`);
    expect(monthly[0]?.values[0]?.[1]).toBe('IV');

    // The evaluation holds each named section against its target: the gauge's has no class, so no figure.
    const year = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear();
    const report = await evaluateCompliance({ influx: test.platform.influx, registry: test.platform.registry, targets: await loadTargets('seeds/targets.json'), now: Date.now() }, `${year}-YTD`);
    const ofSection = (id: string) => report.targets.find((t) => t.provenance.some((p) => p.measurement === 'water_quality' && p.query.includes(`'${id}'`)));
    expect(ofSection(gauge)).toMatchObject({ value: null, status: 'insufficient data' });
    expect(ofSection(sampled)?.value).toBe('IV');
  });
});
