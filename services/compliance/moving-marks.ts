import type { MarkRecord } from '../review/mark-schema.ts';
import { withoutMarked } from '../review/effective-marks.ts';
import { fieldsTakenOut } from '../review/marked-fields.ts';
import { airDailyMeasurement } from '../rollups/air-rollup.ts';
import { readRawRows } from '../rollups/raw-rows.ts';
import type { ReviewState } from '../rollups/review-overlay.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { queryRows, type FigureInput, type RuleOutcome } from './rules/rule.ts';

/**
 * The marks that moved a figure (issue 22 item 3): not every mark of the family's devices in the
 * period (a 2-hour PM2.5 calibration mark was listed under the good-day ratio it left alone), but
 * the marks over the inputs the review changed (a district day whose PM2.5 mean, or AQI, or
 * validity moved; a section whose means or class moved), and of those only the ones that changed
 * what they cover: the station's day of that input (air), or the section's samples (water).
 */
export interface MovingMarksContext {
  readonly influx: InfluxClient;
  readonly family: string;
  readonly state: ReviewState;
  readonly reviewed: RuleOutcome;
  readonly unreviewed: RuleOutcome;
}

/** The inputs whose signature differs between the two evaluations, or that one of them lacks. */
export function changedInputs(reviewed: readonly FigureInput[], unreviewed: readonly FigureInput[]): FigureInput[] {
  const before = new Map(unreviewed.map((input) => [input.key, input]));
  const after = new Map(reviewed.map((input) => [input.key, input]));
  const changed = [...after.values()].filter((input) => before.get(input.key)?.signature !== input.signature);
  return [...changed, ...[...before.values()].filter((input) => !after.has(input.key))];
}

const covers = (mark: MarkRecord, input: FigureInput) =>
  mark.fromMs < input.toMs && mark.toMs > input.fromMs && mark.devices.some((id) => input.devices.includes(id))
  && (mark.fields.length === 0 || fieldsTakenOut(mark).some((field) => input.fields.includes(field)));

/** The columns of a station's day (air_daily) that carry each raw field into a district day. */
const dailyColumns: Readonly<Record<string, readonly string[]>> = {
  pm25_ugm3: ['pm25_ugm3'], pm10_ugm3: ['pm10_ugm3'], so2_ugm3: ['so2_ugm3'], no2_ugm3: ['no2_ugm3'], co_mgm3: ['co_mgm3'], o3_ugm3: ['o3_8h_ugm3', 'o3_1h_max_ugm3'],
};

/** Air: the (device, day) pairs whose station day, reviewed, differs from its unreviewed copy in what the inputs take. */
async function changedStationDays(influx: InfluxClient, inputs: readonly FigureInput[]): Promise<Set<string>> {
  const columns = [...new Set(['valid', ...inputs.flatMap((input) => input.fields.flatMap((field) => dailyColumns[field] ?? []))])];
  const days = inputs.map((input) => input.fromMs);
  const where = `time >= ${Math.min(...days)}ms AND time <= ${Math.max(...days)}ms`;
  const select = columns.map((column) => `"${column}"`).join(', ');
  const [reviewed, unreviewed] = await Promise.all([airDailyMeasurement, `${airDailyMeasurement}_unreviewed`].map((measurement) =>
    queryRows(influx, `SELECT ${select}, "fields_present" FROM "${measurement}" WHERE ${where} GROUP BY "device"`)));
  const wanted = new Set(days);
  const signature = (row: Record<string, unknown>) => JSON.stringify(columns.map((column) => row[column] ?? null));
  const after = new Map(reviewed!.filter((row) => wanted.has(Number(row.time))).map((row) => [`${String(row.device)}|${Number(row.time)}`, signature(row)]));
  const changed = new Set<string>();
  for (const row of unreviewed!) {
    const key = `${String(row.device)}|${Number(row.time)}`;
    if (wanted.has(Number(row.time)) && after.get(key) !== signature(row)) changed.add(key);
  }
  return changed;
}

/** Water: whether the mark takes a sample's value (of the fields the figure uses) out of the period. */
async function changesSamples(influx: InfluxClient, mark: MarkRecord, input: FigureInput): Promise<boolean> {
  for (const device of mark.devices.filter((id) => input.devices.includes(id))) {
    const rows = (await readRawRows(influx, 'water', input.fromMs, input.toMs, device)).get(device) ?? [];
    const kept = withoutMarked(rows, [mark]);
    const count = (list: typeof rows) => list.reduce((sum, row) => sum + input.fields.filter((field) => row.fields[field] !== undefined).length, 0);
    if (count(kept) !== count(rows)) return true;
  }
  return false;
}

export async function marksMovingFigure(context: MovingMarksContext): Promise<MarkRecord[]> {
  const changed = changedInputs(context.reviewed.inputs ?? [], context.unreviewed.inputs ?? []);
  if (changed.length === 0) return [];
  const candidates = context.state.effective.filter((mark) => changed.some((input) => covers(mark, input)));
  if (candidates.length === 0) return [];
  if (context.family === 'air') {
    const stationDays = await changedStationDays(context.influx, changed);
    return candidates.filter((mark) => changed.some((input) => covers(mark, input) && mark.devices.some((id) => stationDays.has(`${id}|${input.fromMs}`))));
  }
  const moving: MarkRecord[] = [];
  for (const mark of candidates) {
    for (const input of changed.filter((candidate) => covers(mark, candidate))) {
      if (await changesSamples(context.influx, mark, input)) {
        moving.push(mark);
        break;
      }
    }
  }
  return moving;
}
