import { WanxiangError } from '../errors.ts';
import type { Gappy } from './air-validity.ts';
import { nonNegative, numberInRange, optionalNonNegative } from './checks.ts';
import { denoise } from './rounding.ts';

/**
 * Occupancy in per cent, or null when the lot has no space in service.
 * More occupied than total spaces is refused, as the parking family does.
 */
export function occupancyPct(occupied: number, total: number): number | null {
  const used = nonNegative(occupied, 'occupied');
  const spaces = nonNegative(total, 'total');
  if (used > spaces) {
    throw new WanxiangError('WX_ERR_INCONSISTENT_VALUES', `occupied ${used} exceeds total ${spaces}`, { value: occupied });
  }
  return spaces === 0 ? null : (used / spaces) * 100;
}

/**
 * Busy threshold: 85 % occupancy, the saturation point commonly used in parking planning
 * (a planning convention, not a national standard; configurable).
 */
export const DEFAULT_BUSY_PCT = 85;

function dayProfile(hourly: Gappy, name: string): (number | null)[] {
  if (hourly.length !== 24) {
    throw new WanxiangError('WX_ERR_OUT_OF_RANGE', `${name} needs 24 hourly slots (index = the hour starting, Beijing time)`, { value: hourly.length });
  }
  return hourly.map((value, hour) => optionalNonNegative(value, `${name}[${hour}]`));
}

export interface PeakHours {
  /** The hour(s) with the highest occupancy (ties all listed); empty without data. */
  readonly peakHours: number[];
  readonly peakOccupancyPct: number | null;
  /** Hours at or above the busy threshold. */
  readonly busyHours: number[];
}

/** Peak and busy hours of a 24-slot occupancy profile in per cent (null = no data for the hour). */
export function peakHours(hourlyOccupancyPct: Gappy, options: { readonly busyPct?: number } = {}): PeakHours {
  const busyPct = numberInRange(options.busyPct ?? DEFAULT_BUSY_PCT, 'busyPct', 0, 100);
  const profile = dayProfile(hourlyOccupancyPct, 'hourlyOccupancyPct');
  const known = profile.filter((value): value is number => value !== null);
  const peak = known.length === 0 ? null : Math.max(...known);
  return {
    peakHours: profile.flatMap((value, hour) => (value !== null && value === peak ? [hour] : [])),
    peakOccupancyPct: peak,
    busyHours: profile.flatMap((value, hour) => (value !== null && value >= busyPct ? [hour] : [])),
  };
}

export interface ShareableSpaces {
  /** Spaces that can be offered to the public in each hour. */
  readonly perHour: number[];
  /** Hours below the busy threshold (with data). */
  readonly offPeakHours: number[];
  /** For a requested window: the spaces free in every hour of it, i.e. what a sharing agreement can promise. */
  readonly window: { readonly fromHour: number; readonly toHour: number; readonly spaces: number } | null;
}

export interface ShareableOptions {
  readonly busyPct?: number;
  /** Hours [fromHour, toHour), wrapping past midnight when toHour ≤ fromHour (e.g. 19 → 7). */
  readonly window?: { readonly fromHour: number; readonly toHour: number };
}

function windowHours(fromHour: number, toHour: number): number[] {
  numberInRange(fromHour, 'fromHour', 0, 23);
  numberInRange(toHour, 'toHour', 0, 24);
  const length = (((toHour - fromHour) % 24) + 24) % 24 || 24;
  return Array.from({ length }, (_, offset) => (fromHour + offset) % 24);
}

/**
 * Off-peak shareable spaces of one lot (our definition; no standard defines it): for each hour,
 * max(0, ⌊capacity × busyPct / 100⌋ − occupied). The owners keep the buffer above the busy threshold
 * (15 % by default), so sharing never pushes the lot into its busy band; a busy hour therefore shares 0,
 * and an hour without data shares 0 because nothing can be promised.
 */
export function shareableSpaces(hourlyOccupied: Gappy, capacity: number, options: ShareableOptions = {}): ShareableSpaces {
  const busyPct = numberInRange(options.busyPct ?? DEFAULT_BUSY_PCT, 'busyPct', 0, 100);
  const spaces = nonNegative(capacity, 'capacity');
  const profile = dayProfile(hourlyOccupied, 'hourlyOccupied');
  const ceiling = Math.floor(denoise((spaces * busyPct) / 100));
  const perHour = profile.map((occupied) => (occupied === null ? 0 : Math.max(0, ceiling - occupied)));
  const offPeakHours = profile.flatMap((occupied, hour) =>
    occupied !== null && spaces > 0 && (occupied / spaces) * 100 < busyPct ? [hour] : []);
  const request = options.window;
  const window = request === undefined ? null : {
    fromHour: request.fromHour,
    toHour: request.toHour,
    spaces: Math.min(...windowHours(request.fromHour, request.toHour).map((hour) => perHour[hour]!)),
  };
  return { perHour, offPeakHours, window };
}
