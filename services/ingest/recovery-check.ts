import type { Logger } from 'pino';
import { isFamilyId } from '../families/index.ts';
import type { Spool } from '../spool/index.ts';
import type { BatchEntry } from '../storage/batch-entry.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import type { Accounting } from './accounting.ts';
import { decodeRecord } from './spool-record.ts';

/** Point times looked up per device once the recovered records are written. */
const samplesPerDevice = 20;

export interface RecoverySamples {
  /** measurement → device → sampled point times (ms). */
  readonly times: Map<string, Map<string, Set<number>>>;
}

/**
 * A line's measurement (unescaped) and time, read as line-protocol.ts writes them: the measurement
 * runs to the first comma or space a backslash does not escape, the time follows the last space.
 */
function pointOf(line: string): { measurement: string; timeMs: number } {
  let end = 0;
  while (end < line.length && line[end] !== ',' && line[end] !== ' ') end += line[end] === '\\' ? 2 : 1;
  return { measurement: line.slice(0, end).replace(/\\(.)/g, '$1'), timeMs: Number(line.slice(line.lastIndexOf(' ') + 1)) };
}

/**
 * A recovered line InfluxDB refused whole (it is in the dead letter and counted as rejected): no
 * longer looked for. Called with every line the writer refuses; lines not sampled are ignored.
 */
export function forgetRefused(samples: RecoverySamples | undefined, device: string | undefined, line: string): void {
  if (samples === undefined || device === undefined) return;
  const { measurement, timeMs } = pointOf(line);
  samples.times.get(measurement)?.get(device)?.delete(timeMs);
}

/**
 * Accounting across a restart, step 1: the readings an earlier run accepted and left in
 * the spool are counted into their rows (device and hour of receipt) before the drainer
 * writes them, so that their writes are owed, not unexplained; a few point times per
 * device are kept for step 2.
 */
export async function countRecovered(spool: Spool, accounting: Accounting): Promise<RecoverySamples> {
  const times = new Map<string, Map<string, Set<number>>>();
  const entries: BatchEntry[] = [];
  let records = 0;
  let readings = 0;
  await spool.recoveredRecords((record) => {
    records += 1;
    entries.length = 0;
    decodeRecord(record, entries);
    const first = entries[0];
    if (first?.device === undefined || first.hour === undefined || first.family === undefined || !isFamilyId(first.family)) return;
    accounting.recoveredFromSpool(first.device, first.hour, entries.length);
    readings += entries.length;
    for (const entry of entries) {
      // Each line where it is written: a station's own hour values go to `<measurement>_hj212`, its
      // unknown items to hj212_unknown, not to its family's measurement (they were looked for there).
      const { measurement, timeMs } = pointOf(entry.line);
      const perDevice = times.get(measurement) ?? new Map<string, Set<number>>();
      times.set(measurement, perDevice);
      const sampled = perDevice.get(first.device) ?? new Set<number>();
      perDevice.set(first.device, sampled);
      if (sampled.size < samplesPerDevice) sampled.add(timeMs);
    }
  });
  Object.assign(accounting.recovery, { records, readings, sampled: 0, found: 0, state: records > 0 ? 'pending' : 'none' });
  return { times };
}

/**
 * Step 2, once the recovered records are written: InfluxDB is asked for the sampled points.
 * All found: the rows are reconciled. Any missing: logged as WX_ERR_ACCOUNTING_GAP.
 */
export async function checkRecoveredInInflux(deps: { influx: InfluxClient; accounting: Accounting; log: Logger }, samples: RecoverySamples): Promise<void> {
  const check = deps.accounting.recovery;
  for (const [measurement, perDevice] of samples.times) {
    for (const [device, times] of perDevice) {
      if (times.size === 0) continue; // every sample refused whole, and counted so
      // InfluxQL 1.x cannot OR time conditions: one range over the samples (a device's first
      // recovered readings, close together), then the sampled times are looked for in it. Any
      // field: one InfluxDB refused for a type conflict (recv_lag_ms too) leaves the point its others.
      const sorted = [...times].sort((a, b) => a - b);
      const series = await deps.influx.query(`SELECT * FROM "${measurement.replace(/["\\]/g, (c) => `\\${c}`)}" WHERE "device" = '${device.replace(/['\\]/g, (c) => `\\${c}`)}' AND time >= ${sorted[0]}ms AND time <= ${sorted.at(-1)}ms`);
      const present = new Set((series[0]?.values ?? []).map((row) => Number(row[0])));
      check.sampled += times.size;
      for (const time of times) if (present.has(time)) check.found += 1;
    }
  }
  check.state = check.found === check.sampled ? 'reconciled' : 'missing';
  if (check.state === 'missing') {
    deps.log.error({ code: 'WX_ERR_ACCOUNTING_GAP', ...check }, 'readings recovered from the spool are missing in InfluxDB');
  } else {
    deps.log.info({ ...check }, 'spool recovery reconciled: the readings an earlier run left are written and found in InfluxDB');
  }
}
