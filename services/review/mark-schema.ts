import { z } from 'zod';

/**
 * Why an officer marks data invalid. Each reason that has an HJ 212-2017 data flag (Table 8,
 * reference hj212.md) carries it, so an instrument's flag and an officer's mark read alike:
 * C calibration, M maintenance, D fault, F instrument stopped (a power cut stops it), B
 * communication with the logger. An external event (fireworks, dust storm, a fire nearby) has no
 * flag: it is the exceptional-event exclusion of the review practice (HJ 818; HJ 663-2026).
 */
export const markReasons = {
  calibration: { flag: 'C', zh: '校准', en: 'calibration' },
  maintenance: { flag: 'M', zh: '维护', en: 'maintenance' },
  fault: { flag: 'D', zh: '仪器故障', en: 'analyser fault' },
  power: { flag: 'F', zh: '停电（仪器停运）', en: 'power cut (instrument stopped)' },
  communication: { flag: 'B', zh: '通讯异常', en: 'communication fault' },
  'external-event': { flag: null, zh: '外部事件', en: 'external event' },
} as const;
export type MarkReason = keyof typeof markReasons;
export const markReasonIds = Object.keys(markReasons) as [MarkReason, ...MarkReason[]];

/** HJ 212 flag → reason, for marks suggested from an instrument's flags. */
export const reasonOfFlag: Readonly<Record<string, MarkReason>> = Object.fromEntries(
  Object.entries(markReasons).flatMap(([reason, { flag }]) => (flag ? [[flag, reason as MarkReason]] : [])),
);

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const comment = z.string().max(500).refine((text) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text), 'no control characters');
const fieldName = z.string().regex(/^[a-z0-9_]{1,40}$/, 'an InfluxDB field name like pm25_ugm3');

/** What an officer sends to mark a period invalid (POST /api/v1/review/marks, `wanxiang review mark`). */
export const markRequestSchema = z.strictObject({
  action: z.literal('mark').default('mark'),
  device: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional().describe('one device'),
  site: z.string().regex(/^[a-z0-9-]{1,40}$/).optional().describe('every device of a site (station or river section)'),
  from: z.string().min(10).max(40).describe('start, Beijing time unless a zone is given (inclusive)'),
  to: z.string().min(10).max(40).describe('end, Beijing time unless a zone is given (exclusive)'),
  fields: z.array(fieldName).max(20).optional().describe('InfluxDB fields; absent or empty: every field'),
  reason: z.enum(markReasonIds),
  comment: comment.default(''),
});

/** A revocation: a later record that names the mark it withdraws. */
export const revokeRequestSchema = z.strictObject({
  action: z.literal('revoke'),
  revokes: z.string().regex(/^m-[0-9a-z-]{6,60}$/),
  comment: comment.min(1, 'say why the mark is withdrawn'),
});

export const reviewRequestSchema = z.union([revokeRequestSchema, markRequestSchema]);
export type MarkRequest = z.infer<typeof markRequestSchema>;
export type RevokeRequest = z.infer<typeof revokeRequestSchema>;

/** A stored record of the review history: never edited, never deleted. */
export const reviewRecordSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('mark'),
    id: z.string(),
    devices: z.array(z.string()).min(1),
    site: z.string().nullable(),
    family: z.string(),
    fromMs: z.number().int(),
    toMs: z.number().int(),
    /** Empty: every field. */
    fields: z.array(z.string()),
    reason: z.enum(markReasonIds),
    flag: z.string().nullable(),
    comment: z.string(),
    by: z.string(),
    atMs: z.number().int(),
  }),
  z.strictObject({
    action: z.literal('revoke'),
    id: z.string(),
    revokes: z.string(),
    comment: z.string(),
    by: z.string(),
    atMs: z.number().int(),
  }),
]);
export type ReviewRecord = z.infer<typeof reviewRecordSchema>;
export type MarkRecord = Extract<ReviewRecord, { action: 'mark' }>;
export type RevokeRecord = Extract<ReviewRecord, { action: 'revoke' }>;
