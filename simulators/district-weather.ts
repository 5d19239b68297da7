import { beijingDayNumber as beijingDay, yearFraction } from '../services/standards/beijing-time.ts';
import { clamp, unitHash } from './rng.ts';

/**
 * What the whole district shares on a day: pollution episodes and rain. Pure functions
 * of (seed, time), so every device sees the same weather without shared state.
 */

const episodeChance = 0.05;
const maxEpisodeDays = 4;

/**
 * A multiplier ≥ 1 on particulate levels: an episode starts on a day with a chance that
 * is larger in winter (stagnant air, northern transport), lasts 2-4 days, and peaks in
 * its middle. Shenzhen's PM2.5 is lowest in the summer monsoon.
 */
export function pollutionEpisode(seed: number, timeMs: number): number {
  const today = beijingDay(timeMs);
  let factor = 1;
  for (let start = today - maxEpisodeDays + 1; start <= today; start += 1) {
    const startMs = start * 86_400_000;
    const winter = Math.cos(2 * Math.PI * yearFraction(startMs)) ; // +1 in January, -1 in July
    if (unitHash(seed, 'episode', start) >= episodeChance * (1 + winter)) continue;
    const length = 2 + Math.floor(unitHash(seed, 'episode-length', start) * 3);
    const age = today - start;
    if (age >= length) continue;
    const strength = 1.8 + 2.2 * unitHash(seed, 'episode-strength', start);
    factor = Math.max(factor, 1 + (strength - 1) * Math.sin((Math.PI * (age + 0.5)) / length));
  }
  return factor;
}

/** Seasonal particulate factor: about 1.45 in January, 0.6 in July (Shenzhen's monsoon). */
export const particulateSeason = (timeMs: number) => 1.02 + 0.43 * Math.cos(2 * Math.PI * yearFraction(timeMs));

/** Seasonal ozone factor: highest in autumn (September-October), lowest in late winter. */
export const ozoneSeason = (timeMs: number) => 1 + 0.35 * Math.cos(2 * Math.PI * (yearFraction(timeMs) - 0.74));

/** Seasonal cooling demand: air-conditioning load from May to October, peaking in late July. */
export const coolingSeason = (timeMs: number) => clamp(Math.cos(2 * Math.PI * (yearFraction(timeMs) - 0.56)), 0, 1);

/**
 * Storm runoff strength in [0, 1] at a time: storms fall mostly in the wet season (April
 * to September); runoff lasts about two days and fades.
 */
export function stormRunoff(seed: number, timeMs: number): number {
  const today = beijingDay(timeMs);
  let runoff = 0;
  for (let day = today - 2; day <= today; day += 1) {
    const wet = clamp(Math.cos(2 * Math.PI * (yearFraction(day * 86_400_000) - 0.5)) + 0.3, 0, 1.3);
    if (unitHash(seed, 'storm', day) >= 0.09 * wet) continue;
    const hoursSince = (timeMs - day * 86_400_000) / 3_600_000 - 8;
    if (hoursSince < 0) continue;
    runoff = Math.max(runoff, Math.exp(-hoursSince / 20) * (0.5 + 0.5 * unitHash(seed, 'storm-size', day)));
  }
  return runoff;
}
