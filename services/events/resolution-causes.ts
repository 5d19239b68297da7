import { WanxiangError } from '../errors.ts';
import type { MarkReason } from '../review/mark-schema.ts';

/**
 * Why an event happened, as the person resolving it found it: the one list of causes (docs/events.md
 * "Resolution causes"). A duty centre and the bureau read the same alarms very differently when the
 * reading was a device's fault rather than the air: the cause sorts the figures and the search, and
 * a device's own fault suggests a review mark on its readings (review-suggestion.ts).
 */
export const resolutionCauses = {
  'real-exceedance': { zh: '真实污染/超标（已核实）', en: 'real pollution or exceedance, confirmed', markReason: null },
  'device-fault': { zh: '设备故障', en: 'device fault', markReason: 'fault' },
  maintenance: { zh: '维护或校准', en: 'maintenance or calibration', markReason: 'maintenance' },
  'communication-loss': { zh: '通讯中断', en: 'communication loss', markReason: null },
  'false-alarm': { zh: '误报/阈值不当', en: 'false alarm or threshold', markReason: null },
  other: { zh: '其他', en: 'other', markReason: null },
} as const satisfies Record<string, { zh: string; en: string; markReason: MarkReason | null }>;

export type ResolutionCause = keyof typeof resolutionCauses;
export const resolutionCauseIds = Object.keys(resolutionCauses) as [ResolutionCause, ...ResolutionCause[]];

/** A resolution made before causes were kept (a record without one): readable, shown as not recorded. */
export const causeNotRecorded = 'not-recorded';
export type EventCause = ResolutionCause | typeof causeNotRecorded;
export const eventCauseIds = [...resolutionCauseIds, causeNotRecorded] as const;

export const isResolutionCause = (value: unknown): value is ResolutionCause => typeof value === 'string' && Object.hasOwn(resolutionCauses, value);

/** The cause a resolution names, or WX_ERR_UNKNOWN_CAUSE with the value that failed (the API and a cluster's leader alike). */
export function requireCause(value: unknown): ResolutionCause {
  if (isResolutionCause(value)) return value;
  const shown = value === undefined ? 'none' : JSON.stringify(value);
  throw new WanxiangError('WX_ERR_UNKNOWN_CAUSE', `a resolution needs a cause, one of ${resolutionCauseIds.join(', ')}: got ${shown}`, { value: value ?? null });
}

/** The causes as the desk and the API list them, in order. */
export const causeList = () => resolutionCauseIds.map((id) => ({ id, zh: resolutionCauses[id].zh, en: resolutionCauses[id].en, suggestsReviewMark: resolutionCauses[id].markReason !== null }));
