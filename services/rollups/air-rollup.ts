import { HOUR_MS, dailyAqi, dailyMaxO3EightHour, dailyMean, hourlyAqi, isValidHour, o3MovingMeans, type AqiResult } from '../standards/index.ts';
import type { Point } from '../storage/line-protocol.ts';
import { deviceTags } from '../registry/device-tags.ts';
import { airFamily } from '../families/air.ts';
import { bucketRows, daySpans, meanOf, samplingMinutes, type FamilyRollup, type RawRow } from './rollup-types.ts';
import { expectedSamplingMinutes } from './sampling-interval.ts';

export const airHourlyMeasurement = 'air_hourly';
export const airDailyMeasurement = 'air_daily';
export const airDistrictDailyMeasurement = 'air_daily_district';

/** The label of the hour that starts at `hourStartMs`: its end (HJ 663 Table A.1, GB/T 34302-2017). */
export const hourLabelOf = (hourStartMs: number): number => hourStartMs + HOUR_MS;

/**
 * The hourly points whose hours lie within [fromMs, toMs): labels in (fromMs, toMs], since the
 * label is the hour's end. An InfluxQL time condition for air_hourly.
 */
export const hourLabelsWithin = (fromMs: number, toMs: number): string => `time > ${fromMs}ms AND time <= ${toMs}ms`;

type Pollutant = 'pm25' | 'pm10' | 'so2' | 'no2' | 'o3' | 'co';
/** Each HJ 633 pollutant's InfluxDB field, as the air family stores it (and the rollups keep it). */
const pollutants = Object.fromEntries((['pm25', 'pm10', 'so2', 'no2', 'o3', 'co'] as const).map((key) => [key, airFamily.fields[key].field])) as Record<Pollutant, string>;
const hourMs = HOUR_MS;

interface HoursOfStation {
  /** 48 hourly means: the previous day then this day (null: not a valid hour, GB 3095 §7: ≥ 45 min). */
  readonly means: Record<Pollutant, (number | null)[]>;
  readonly coverage: number[];
}

/**
 * Each pollutant's hour is judged on its own minutes (GB 3095 Table 4: ≥ 45 min of sampling of it):
 * a review mark of one field (issue 22) leaves the other pollutants' hours as they were.
 * `sent`: the station's own hourly values (HJ 212 2061) by hour start; an hour it sent is taken as it is, a whole valid hour.
 */
function stationHours(rows: readonly RawRow[], fromMs: number, minutesPerRow = samplingMinutes(rows), sent?: ReadonlyMap<number, Readonly<Record<string, number>>>): HoursOfStation {
  const buckets = bucketRows(rows, fromMs, fromMs + 48 * hourMs, hourMs);
  const own = buckets.map((_, i) => sent?.get(fromMs + i * hourMs));
  const coverage = buckets.map((bucket, i) => (own[i] ? 60 : Math.min(60, bucket.length * minutesPerRow)));
  const minutesOf = (bucket: readonly RawRow[], field: string) => Math.min(60, bucket.filter((row) => row.fields[field] !== undefined).length * minutesPerRow);
  const means = Object.fromEntries(
    Object.entries(pollutants).map(([key, field]) => [key, buckets.map((bucket, i) => (own[i] ? (own[i][field] ?? null) : isValidHour(minutesOf(bucket, field)) ? meanOf(bucket, field) : null))]),
  ) as Record<Pollutant, (number | null)[]>;
  return { means, coverage };
}

const aqiFields = (result: AqiResult<string>): Array<[string, number | string, 'float' | 'int' | 'string']> =>
  result.aqi === null
    ? [['standard', result.standard, 'string']]
    : [['aqi', result.aqi, 'int'], ['aqi_level', result.level!, 'int'], ['primary', result.primary.join(','), 'string'], ['standard', result.standard, 'string']];

const trailingMean = (values: readonly (number | null)[], end: number, hours: number, minHours: number): number | null => {
  const window = values.slice(Math.max(0, end - hours + 1), end + 1).filter((value): value is number => value !== null);
  return window.length >= minHours ? window.reduce((a, b) => a + b, 0) / window.length : null;
};

/**
 * Air: hourly means with validity, the real-time AQI of each hour, daily means (≥ 20 valid
 * hours), the daily max 8-h O3 and the daily AQI per station; the district's daily AQI
 * from the mean over stations first, as city bulletins compute it (HJ 663).
 */
export const airRollup: FamilyRollup = {
  family: 'air',
  rawRange: (window) => ({ fromMs: window.startMs - 24 * hourMs, toMs: window.endMs }),
  alsoDirty: (day) => [day + 1], // the next day's 24-h moving means reach back into this one
  measurements: () => [airHourlyMeasurement, airDailyMeasurement, airDistrictDailyMeasurement],
  // A day's hours are labelled 01:00 … 24:00 (their ends, HJ 663); its daily points carry its 00:00.
  spans: (window) => [{ measurement: airHourlyMeasurement, fromMs: hourLabelOf(window.startMs), toMs: hourLabelOf(window.endMs) }, ...daySpans(window, [airDailyMeasurement, airDistrictDailyMeasurement])],
  usesStationHours: true,
  compute(window, rowsByDevice, devices, context) {
    const points: Point[] = [];
    const dailyByStation: Array<Record<string, number | null>> = [];
    const o3ByStation: Array<(number | null)[]> = [];
    for (const device of devices) {
      const rows = rowsByDevice.get(device.id) ?? [];
      const hours = stationHours(rows, window.startMs - 24 * hourMs, context?.samplingMinutes?.get(device.id) ?? expectedSamplingMinutes(device, rows), context?.stationHours?.get(device.id));
      const o3EightHour = o3MovingMeans(hours.means.o3);
      for (let h = 24; h < 48; h += 1) {
        // HJ 663 (standards.md §1.4): the mean of the hour X-1…X carries the label X, the hour's end,
        // so the day's hours are 01:00 … 24:00 (24:00 = 00:00 of the next day).
        const timeMs = hourLabelOf(window.startMs + (h - 24) * hourMs);
        const fields: Array<[string, number | string, 'float' | 'int' | 'string']> = [['coverage_min', hours.coverage[h]!, 'float'], ['valid', hours.means.pm25[h] === null ? 0 : 1, 'int']];
        for (const [key, field] of Object.entries(pollutants)) {
          const value = hours.means[key as Pollutant][h];
          if (value !== null && value !== undefined) fields.push([field, value, 'float']);
        }
        // HJ 633-2012 Table 4: the real-time report prints the O3 8-h and PM 24-h moving means its IAQIs come from.
        const moving = { o3_8h: o3EightHour[h] ?? null, pm10_24h: trailingMean(hours.means.pm10, h, 24, 20), pm25_24h: trailingMean(hours.means.pm25, h, 24, 20) };
        for (const [key, value] of Object.entries(moving)) if (value !== null) fields.push([`${key}_ugm3`, value, 'float']);
        if (hours.coverage[h]! > 0) {
          const aqi = hourlyAqi(
            { so2: hours.means.so2[h], no2: hours.means.no2[h], co: hours.means.co[h], o3: hours.means.o3[h], pm10: hours.means.pm10[h], pm25: hours.means.pm25[h], ...moving, so2_24h: trailingMean(hours.means.so2, h, 24, 20) },
            { hourEnding: timeMs },
          );
          fields.push(...aqiFields(aqi));
        }
        points.push({ measurement: airHourlyMeasurement, tags: deviceTags(device), fields, timeMs });
      }
      const today = (key: Pollutant) => hours.means[key].slice(24);
      const o3 = dailyMaxO3EightHour(today('o3'));
      const o3Max1h = Math.max(...today('o3').filter((value): value is number => value !== null));
      const daily: Record<string, number | null> = {
        pm25: dailyMean(today('pm25')), pm10: dailyMean(today('pm10')), so2: dailyMean(today('so2')), no2: dailyMean(today('no2')), co: dailyMean(today('co')),
        o3_8h: o3.value, o3_1h: Number.isFinite(o3Max1h) ? o3Max1h : null,
      };
      dailyByStation.push(daily);
      o3ByStation.push(today('o3'));
      points.push(dailyPoint(airDailyMeasurement, deviceTags(device), daily, today('pm25').filter((value) => value !== null).length, window.startMs));
    }
    points.push(districtPoint(dailyByStation, o3ByStation, window.startMs));
    return points;
  },
};

const dailyFieldNames: Record<string, string> = { pm25: 'pm25_ugm3', pm10: 'pm10_ugm3', so2: 'so2_ugm3', no2: 'no2_ugm3', co: 'co_mgm3', o3_8h: 'o3_8h_ugm3', o3_1h: 'o3_1h_max_ugm3' };

function dailyPoint(measurement: string, tags: Record<string, string>, daily: Record<string, number | null>, validHours: number, timeMs: number): Point {
  const fields: Array<[string, number | string, 'float' | 'int' | 'string']> = [['valid_hours', validHours, 'int'], ['valid', daily.pm25 === null ? 0 : 1, 'int']];
  for (const [key, value] of Object.entries(daily)) if (value !== null) fields.push([dailyFieldNames[key]!, value, 'float']);
  // A day without a valid PM2.5 mean gets no AQI: it is not a valid day (GB 3095 §7, HJ 663).
  if (daily.pm25 !== null) fields.push(...aqiFields(dailyAqi(daily, { day: timeMs })));
  return { measurement, tags, fields, timeMs };
}

/** The mean over stations with a value, when more than half the stations have one (else none). */
function meanOverStations(values: ReadonlyArray<number | null | undefined>): number | null {
  const present = values.filter((value): value is number => value !== null && value !== undefined);
  return present.length * 2 > values.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
}

/**
 * The district: each pollutant's daily mean is the mean over stations of theirs; ozone's
 * 8-h and 1-h maxima come from the district's hourly series (the mean over stations hour
 * by hour), since the mean of the stations' maxima is not the district's maximum (HJ 663:
 * a city's concentration for a period is the mean of its stations' for that period).
 */
function districtPoint(stations: ReadonlyArray<Record<string, number | null>>, o3ByStation: ReadonlyArray<(number | null)[]>, timeMs: number): Point {
  const district: Record<string, number | null> = {};
  for (const key of ['pm25', 'pm10', 'so2', 'no2', 'co']) district[key] = meanOverStations(stations.map((station) => station[key]));
  const o3Hourly = Array.from({ length: 24 }, (_, h) => meanOverStations(o3ByStation.map((hours) => hours[h])));
  district.o3_8h = dailyMaxO3EightHour(o3Hourly).value;
  const o3Present = o3Hourly.filter((value): value is number => value !== null);
  district.o3_1h = o3Present.length ? Math.max(...o3Present) : null;
  const point = dailyPoint(airDistrictDailyMeasurement, { district: 'luohu' }, district, 0, timeMs);
  return { ...point, fields: [...point.fields.filter(([name]) => name !== 'valid_hours'), ['stations', stations.filter((station) => station.pm25 !== null).length, 'int']] };
}
