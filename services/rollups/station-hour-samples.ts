import type { RawRow } from './rollup-types.ts';

const hourMs = 3_600_000;

/**
 * A device's readings with its station's own hours as samples (time = the hour's start): an hour it
 * sent takes the place of its readings of that hour, as in the air and noise rollups; an hour it
 * sent flagged invalid alone leaves that hour without a sample. For families whose figures are
 * means of samples (water: a surface-water station sends 2061 every 4 hours and no real-time data).
 */
export function withStationHours(rows: readonly RawRow[], sent: ReadonlyMap<number, Readonly<Record<string, number>>> | undefined): readonly RawRow[] {
  if (!sent || sent.size === 0) return rows;
  const merged: RawRow[] = rows.filter((row) => !sent.has(row.time - (row.time % hourMs)));
  for (const [time, fields] of sent) {
    for (const _ in fields) {
      merged.push({ time, fields: { ...fields } });
      break;
    }
  }
  return merged.sort((a, b) => a.time - b.time);
}
