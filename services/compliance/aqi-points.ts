import { isTombstone, presentOnly } from '../rollups/fields-present.ts';
import type { Series } from '../storage/influx-client.ts';
import { airDailyMeasurement, airDistrictDailyMeasurement, airHourlyMeasurement, hourLabelsWithin } from '../rollups/air-rollup.ts';
import { AIR_REPORTING_NOTE, parseBeijingInstant, reportedConcentration } from '../standards/index.ts';

export type AqiResolution = 'hour' | 'day';

/** How /api/v1/aqi reads its parameters and writes its values: said in every answer. */
export const AQI_ANSWER_CONVENTIONS = {
  dates: 'from/to: a bare date is 00:00 of that Beijing (UTC+8) day, a time without a zone is Beijing time; to is exclusive',
  hourLabels: 'an hourly point carries the end of its hour (HJ 663): 01:00 is the mean of 00:00-01:00; the hours within [from, to) are returned',
  rounding: AIR_REPORTING_NOTE,
} as const;

/** The InfluxQL query of one station's (or the district's) AQI points between two Beijing date parameters. */
export function aqiQuery(station: string, resolution: AqiResolution, from: string, to: string): string {
  const fromMs = parseBeijingInstant(from);
  const toMs = parseBeijingInstant(to);
  const district = station === 'district';
  const measurement = district ? airDistrictDailyMeasurement : resolution === 'hour' ? airHourlyMeasurement : airDailyMeasurement;
  const time = resolution === 'hour' ? hourLabelsWithin(fromMs, toMs) : `time >= ${fromMs}ms AND time < ${toMs}ms`;
  return `SELECT * FROM "${measurement}" WHERE ${district ? '' : `"device" = '${station}' AND `}${time}`;
}

const ugm3 = (value: unknown, name: string) => reportedConcentration(value ?? null, 'ugm3', name);

/** One stored rollup row as an API point, concentrations at their reporting precision. */
export function aqiPoint(stored: Record<string, unknown>) {
  // A field a review mark took away is no longer listed in the point (rollups/fields-present.ts).
  const row = presentOnly(stored);
  return {
    time: new Date(Number(row.time)).toISOString(),
    aqi: row.aqi ?? null,
    level: row.aqi_level ?? null,
    primary: row.primary ? String(row.primary).split(',').filter(Boolean) : [],
    standard: row.standard ?? null,
    valid: row.valid === undefined ? true : row.valid === 1,
    pm25: ugm3(row.pm25_ugm3, 'pm25'),
    pm10: ugm3(row.pm10_ugm3, 'pm10'),
    o3: ugm3(row.o3_ugm3, 'o3'),
    o3_8h: ugm3(row.o3_8h_ugm3, 'o3_8h'),
    no2: ugm3(row.no2_ugm3, 'no2'),
    so2: ugm3(row.so2_ugm3, 'so2'),
    co: reportedConcentration(row.co_mgm3 ?? null, 'mgm3', 'co'),
    // Every indicator HJ 633's tables publish (issue 22 item 5): the daily O3 1-h maximum (2012 Table 3),
    // the PM 24-h moving means behind the 2012 real-time IAQI (Table 4).
    o3_1h_max: ugm3(row.o3_1h_max_ugm3, 'o3_1h_max'),
    pm25_24h: ugm3(row.pm25_24h_ugm3, 'pm25_24h'),
    pm10_24h: ugm3(row.pm10_24h_ugm3, 'pm10_24h'),
  };
}

/** An answer of aqiQuery as API points; a tombstone (a point a mark emptied or a recomputation no longer yields, rollups/stale-points.ts) is none. */
export function aqiPointsOf(series: readonly Series[]) {
  return series.flatMap((s) => s.values.map((row) => Object.fromEntries(s.columns.map((column, i) => [column, row[i]])))).filter((row) => !isTombstone(row)).map(aqiPoint);
}
