import { isWanxiangError, WanxiangError } from '../errors.ts';
import { getFamily, type FamilyId } from '../families/index.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import { reviewStateOf, type ReviewSource, type ReviewState } from '../rollups/review-overlay.ts';
import { DAY_MS, QUERYABLE_YEARS, beijingDayNumber, beijingDayStartMs, tryParseBeijingInstant } from '../standards/beijing-time.ts';
import { effectiveMarks } from './effective-marks.ts';
import { markReasons, type MarkRecord, type MarkRequest, type ReviewRecord, type RevokeRecord, type RevokeRequest } from './mark-schema.ts';
import { withDerivedFields } from './marked-fields.ts';
import { newRecordId, type MarkStore } from './mark-store.ts';
import { createTurns } from '../one-at-a-time.ts';

/** The longest period one mark may cover: a year and a day (a longer outage is several marks). */
export const MAX_MARK_DAYS = 367;

export interface ReviewService extends ReviewSource {
  /** The mark taken, or (`repeated`) the same mark already in force: an officer's retry is not a second mark. */
  mark(request: MarkRequest, by: string): Promise<MarkRecord & { readonly repeated?: true }>;
  revoke(request: RevokeRequest, by: string): Promise<RevokeRecord>;
  /** The whole history (marks and revocations), oldest first. */
  history(): Promise<ReviewRecord[]>;
  /** Marks with whether each is in force and, if revoked, by which record, and the derived fields each also takes out (marked-fields.ts). */
  list(filter: { device?: string; fromMs?: number; toMs?: number }): Promise<Array<MarkRecord & { inForce: boolean; revokedBy: string | null; derivedFields: string[] }>>;
}

export interface ReviewDeps {
  readonly store: MarkStore;
  readonly registry: DeviceRegistry;
  /** The rollup engine's (or the cluster's) markDirty: the days a mark reaches are rolled up again. */
  readonly markDirty: (family: FamilyId, timeMs: number) => void;
  readonly now?: () => number;
}

function instant(text: string, name: string): number {
  const ms = tryParseBeijingInstant(text);
  if (ms === undefined) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `${name}: not a date or time (YYYY-MM-DD, YYYY-MM-DDThh:mm Beijing time, or ISO 8601 with a zone; years ${QUERYABLE_YEARS.from}-${QUERYABLE_YEARS.to})`, { value: text });
  return ms;
}

/**
 * Review marks (issue 22 item 1): an officer marks a device's (or a site's devices') period invalid
 * with a reason; a later record may revoke it; nothing is edited or deleted. Each record marks the
 * days it reaches dirty, so the rollups (hours, days, months) and the targets computed from them
 * take it at the engine's next run (config rollups.intervalMs, 10 s by default).
 */
export function createReviewService(deps: ReviewDeps): ReviewService {
  const now = deps.now ?? Date.now;
  const { store, registry } = deps;

  function devicesOf(request: MarkRequest) {
    if ((request.device === undefined) === (request.site === undefined)) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', 'a mark names either a device or a site, not both and not neither');
    const devices = request.device !== undefined
      ? [registry.device(request.device)].filter((device) => device !== undefined)
      : registry.devices.filter((device) => device.site === request.site);
    if (devices.length === 0) throw new WanxiangError('WX_ERR_NOT_FOUND', request.device !== undefined ? `no device ${request.device} in the registry` : `no device at site ${request.site}`);
    const families = new Set(devices.map((device) => device.family));
    if (families.size > 1) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `site ${request.site} holds devices of several families (${[...families].join(', ')}): mark each device`);
    return { devices, family: devices[0]!.family };
  }

  function touch(record: MarkRecord): void {
    const family = record.family as FamilyId;
    for (let day = beijingDayNumber(record.fromMs); day <= beijingDayNumber(record.toMs - 1); day += 1) deps.markDirty(family, beijingDayStartMs(day) + DAY_MS / 2);
    // And the mark's last instant as a reading's: a mark (or its revocation) that ends at midnight starts
    // or ends the second half of a grid event at 00:00, a point of the next day (rollups dirtyAheadMs).
    deps.markDirty(family, record.toMs - 1);
  }

  async function history() {
    return store.history();
  }

  // Writes one at a time: a revocation reads the history, checks that nobody revoked the mark, then
  // appends. Two at once both read "not revoked" and both appended (two 201s for one mark, seen in
  // the red-team pass); in turn, the second reads the first and is refused WX_ERR_MARK_REVOKED.
  const inTurn = createTurns();

  return {
    mark: (request, by) => inTurn(async () => {
      const { devices, family } = devicesOf(request);
      const fromMs = instant(request.from, 'from');
      const toMs = instant(request.to, 'to');
      if (toMs <= fromMs) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', 'to must lie after from');
      if (toMs - fromMs > MAX_MARK_DAYS * DAY_MS) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `a mark covers at most ${MAX_MARK_DAYS} days; mark a longer period in parts`);
      if (toMs > now() + DAY_MS) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', 'a mark reviews data already taken: to lies more than a day ahead');
      // A period wholly ahead holds no data to review: a mark there invalidated readings before they came (red team 11).
      if (fromMs > now()) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `a mark reviews data already taken: from (${new Date(fromMs).toISOString()}) lies ahead`);
      const known = getFamily(family).fieldTypes;
      const fields = [...new Set(request.fields ?? [])];
      const unknown = fields.filter((field) => !known.has(field));
      if (unknown.length) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `the ${family} family has no field ${unknown.join(', ')}; it has ${[...known.keys()].join(', ')}`);
      const atMs = now();
      const record: MarkRecord = {
        action: 'mark', id: newRecordId(atMs), devices: devices.map((device) => device.id), site: request.site ?? null, family,
        fromMs, toMs, fields, reason: request.reason, flag: markReasons[request.reason].flag, comment: request.comment, by, atMs,
      };
      // A write InfluxDB did not confirm in time may still land (red team 7): the officer, told 503,
      // sends the mark again, and a second identical mark outlived the revocation of the first.
      const same = sameMarkInForce(await history(), record);
      if (same) return { ...same, repeated: true };
      try {
        await store.append(record);
      } catch (error) {
        if (!isWanxiangError(error) || error.code !== 'WX_ERR_INFLUX_UNAVAILABLE') throw error;
        throw new WanxiangError('WX_ERR_INFLUX_UNAVAILABLE', `InfluxDB did not confirm mark ${record.id} (${error.message}): it may be stored or not. GET /api/v1/review/marks shows it if it is; the same mark sent again is taken once, never twice`, { value: record.id, cause: error });
      }
      touch(record);
      return record;
    }),
    revoke: (request, by) => inTurn(async () => {
      const records = await history();
      const target = records.find((record) => record.id === request.revokes);
      if (!target || target.action !== 'mark') throw new WanxiangError('WX_ERR_MARK_NOT_FOUND', `no review mark ${request.revokes} (a revocation names a mark)`);
      const earlier = records.find((record) => record.action === 'revoke' && record.revokes === request.revokes);
      if (earlier) throw new WanxiangError('WX_ERR_MARK_REVOKED', `mark ${request.revokes} was revoked already by ${earlier.id}`);
      const atMs = now();
      const record: RevokeRecord = { action: 'revoke', id: newRecordId(atMs), revokes: request.revokes, comment: request.comment, by, atMs };
      await store.append(record);
      touch(target);
      return record;
    }),
    history,
    async list(filter) {
      const records = await history();
      const revokedBy = new Map(records.flatMap((record) => (record.action === 'revoke' ? [[record.revokes, record.id] as const] : [])));
      return records
        .filter((record): record is MarkRecord => record.action === 'mark')
        .filter((mark) => (filter.device === undefined || mark.devices.includes(filter.device)) && (filter.fromMs === undefined || mark.toMs > filter.fromMs) && (filter.toMs === undefined || mark.fromMs < filter.toMs))
        .map((mark) => ({ ...withDerivedFields(mark), inForce: !revokedBy.has(mark.id), revokedBy: revokedBy.get(mark.id) ?? null }));
    },
    async state(): Promise<ReviewState> {
      return reviewStateOf(await history());
    },
  };
}

export { effectiveMarks };

/** A mark in force with the same devices, period, fields, reason, comment and officer as `record`. */
function sameMarkInForce(records: readonly ReviewRecord[], record: MarkRecord): MarkRecord | undefined {
  const revoked = new Set(records.flatMap((earlier) => (earlier.action === 'revoke' ? [earlier.revokes] : [])));
  const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item, index) => item === b[index]);
  return records.find((earlier): earlier is MarkRecord =>
    earlier.action === 'mark' && !revoked.has(earlier.id) && earlier.by === record.by && earlier.family === record.family && earlier.site === record.site &&
    earlier.fromMs === record.fromMs && earlier.toMs === record.toMs && earlier.reason === record.reason && earlier.comment === record.comment &&
    sameList(earlier.devices, record.devices) && sameList([...earlier.fields].sort(), [...record.fields].sort()));
}
