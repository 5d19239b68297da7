import { getFamily } from '../../services/families/index.ts';
import { clamp, round1, unitHash } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';
import { cellsAt, cumulativeRainMm } from './rain-cells.ts';

/** How deep a point floods per mm/h of rain its drains cannot take (cm), by the kind of low point. */
const pondingCmPerMmH: Record<string, number> = { underpass: 0.55, tunnel: 0.45, culvert: 0.4, 'low-road': 0.32 };
const LAG_MS = 20 * 60_000;

/**
 * Depth gauges at low points and rain gauges at street offices under the district's rain cells
 * (rain-cells.ts): a rain gauge counts its bucket's tips in the interval; a low point floods when
 * the last 20 minutes' rain exceeds what its drains take (25-45 mm/h: Luohu's older networks
 * were built to a 1-2 year return period) and drains again as the cell moves on.
 */
export const simulateWaterlogging: FamilySimulator = (device, timeMs, { seed, rng, intervalMs, runStartMs }): Record<string, number> => {
  const attributes = device.attributes as { gauge: 'depth' | 'rain'; pointKind?: string; resolutionMm?: number };
  const cells = cellsAt(seed, timeMs, runStartMs);
  const rainTo = (at: number) => cumulativeRainMm(cells, device.lat, device.lon, at);
  // The supply voltage jitters in its last digit as real loggers' do: a frozen logger repeats it too (the stuck check).
  const battery = Math.round(clamp(rng.normal(12.8, 0.1), 11, 14.5) * 100) / 100;
  if (attributes.gauge === 'rain') {
    const interval = intervalMs ?? getFamily(device.family).reportIntervalMs;
    const bucket = attributes.resolutionMm ?? 0.1;
    const tips = Math.floor(rainTo(timeMs) / bucket) - Math.floor(rainTo(timeMs - interval) / bucket);
    return { rainfall: Math.round(Math.max(0, tips) * bucket * 10) / 10, battery };
  }
  const recentMmH = ((rainTo(timeMs) - rainTo(timeMs - LAG_MS)) * 3_600_000) / LAG_MS;
  const drainsMmH = 25 + 20 * unitHash(seed, 'drains', device.id);
  const gain = (pondingCmPerMmH[attributes.pointKind ?? 'low-road'] ?? 0.3) * (0.8 + 0.4 * unitHash(seed, 'ponding', device.id));
  const depth = gain * Math.max(0, recentMmH - drainsMmH);
  // A dry road reads 0; standing water reads with the ultrasonic sensor's ±0.5 cm.
  return { depth: depth < 0.5 ? 0 : round1(clamp(rng.normal(depth, 0.3), 0, 300)), battery };
};
