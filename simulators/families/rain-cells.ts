import { beijingDayNumber, beijingDayStartMs, HOUR_MS, yearFraction } from '../../services/standards/beijing-time.ts';
import { clamp, unitHash } from '../rng.ts';

/**
 * Convective rain cells over Luohu (issue 25): a cell is a Gaussian of rain intensity (mm/h)
 * around a centre that drifts west to east across the district, as Shenzhen's summer-afternoon
 * thunderstorms do under the south-westerly monsoon. Pure functions of (seed, time, place).
 */
export interface RainCell {
  readonly startMs: number;
  readonly lifeMs: number;
  /** Peak intensity at the centre (mm/h). */
  readonly peakMmH: number;
  /** Radius (km) at which the intensity falls to 61 % (one sigma). */
  readonly sigmaKm: number;
  readonly fromLon: number;
  readonly toLon: number;
  readonly lat: number;
}

const KM_PER_DEG_LAT = 110.9;
const KM_PER_DEG_LON = 102.8; // at 22.55° N

/**
 * The cell `npm start` stages two minutes after the fleet starts, whatever the date: a slow cell
 * (about 5.5 km/h, quasi-stationary afternoon convection) crossing from 笋岗 to 莲塘 in 110 min
 * with 140 mm/h at its core: on its track about 120 mm fall, enough for the red signal's
 * 100 mm in 3 h; three kilometres off it about 45 mm. Shenzhen's hourly records exceed this
 * (2023-09-07: 93 mm in an hour at one Longgang station, as reported), so it is believable.
 */
export const stagedCell = (runStartMs: number): RainCell => ({
  startMs: runStartMs + 2 * 60_000, lifeMs: 110 * 60_000, peakMmH: 140, sigmaKm: 2.2, fromLon: 114.09, toLon: 114.18, lat: 22.556,
});

/**
 * The day's climatological cell, if any: wet-season (April to September) afternoons, on about
 * one day in five at the height of the season, starting 14:00-17:00 Beijing.
 */
export function dailyCell(seed: number, day: number): RainCell | null {
  const wet = clamp(Math.cos(2 * Math.PI * (yearFraction(beijingDayStartMs(day)) - 0.52)), 0, 1);
  if (unitHash(seed, 'rain-cell', day) >= 0.2 * wet) return null;
  const start = beijingDayStartMs(day) + (14 + 3 * unitHash(seed, 'rain-cell-start', day)) * HOUR_MS;
  return {
    startMs: start, lifeMs: (60 + 60 * unitHash(seed, 'rain-cell-life', day)) * 60_000,
    peakMmH: 30 + 90 * unitHash(seed, 'rain-cell-peak', day), sigmaKm: 1.8 + 1.5 * unitHash(seed, 'rain-cell-size', day),
    fromLon: 114.08, toLon: 114.19, lat: 22.54 + 0.045 * unitHash(seed, 'rain-cell-lat', day),
  };
}

/** Intensity (mm/h) of one cell at a place and time: grows over its first tenth (a convective cell matures in 10-15 min), fades over its last third. */
export function cellIntensity(cell: RainCell, lat: number, lon: number, timeMs: number): number {
  const age = (timeMs - cell.startMs) / cell.lifeMs;
  if (age <= 0 || age >= 1) return 0;
  const envelope = Math.min(1, age / 0.1, (1 - age) / 0.33);
  const centreLon = cell.fromLon + (cell.toLon - cell.fromLon) * age;
  const dx = (lon - centreLon) * KM_PER_DEG_LON;
  const dy = (lat - cell.lat) * KM_PER_DEG_LAT;
  return cell.peakMmH * envelope * Math.exp(-(dx * dx + dy * dy) / (2 * cell.sigmaKm * cell.sigmaKm));
}

/** The cells that may be raining at a time: yesterday's and today's, and the staged one of a running fleet. */
export function cellsAt(seed: number, timeMs: number, runStartMs: number | undefined): RainCell[] {
  const today = beijingDayNumber(timeMs);
  const cells = [dailyCell(seed, today - 1), dailyCell(seed, today)].filter((cell): cell is RainCell => cell !== null);
  if (runStartMs !== undefined) cells.push(stagedCell(runStartMs));
  return cells;
}

const STEP_MS = 60_000;

/**
 * Rain (mm) fallen at a place since a cell began, to a time: minute steps of the intensity, so
 * that any two readings' difference is that interval's rainfall whatever the report interval.
 */
export function cumulativeRainMm(cells: readonly RainCell[], lat: number, lon: number, timeMs: number): number {
  let total = 0;
  for (const cell of cells) {
    const end = Math.min(timeMs, cell.startMs + cell.lifeMs);
    for (let t = cell.startMs; t < end; t += STEP_MS) {
      const step = Math.min(STEP_MS, end - t);
      total += (cellIntensity(cell, lat, lon, t + step / 2) * step) / HOUR_MS;
    }
  }
  return total;
}
