import type { AlarmSeverity } from '../alarms/alarm-types.ts';
import type { FamilyId } from '../families/index.ts';
import type { ResolutionCause } from './resolution-causes.ts';

/**
 * An event (事件) is the work an alarm starts (issue 23, item 2): open → dispatched (to a
 * department, with due times by severity) → in_progress → resolved (with a note) → closed (verified
 * by an operator, or by the condition staying clear); resolved or closed → open again when it recurs.
 */
export type EventState = 'open' | 'dispatched' | 'in_progress' | 'resolved' | 'closed';
export const eventStates = ['open', 'dispatched', 'in_progress', 'resolved', 'closed'] as const satisfies readonly EventState[];

/** Why an event was escalated: nobody started on it, or nobody finished it, by its due time (item 4). */
export type EscalationReason = 'not-acknowledged' | 'not-resolved';

/** An alarm as an event holds it. */
export interface EventAlarm {
  readonly id: string;
  readonly ruleId: string;
  readonly deviceId: string;
  readonly severity: AlarmSeverity;
  readonly textZh: string;
  readonly textEn: string;
  readonly openedAtMs: number;
  readonly closedAtMs: number | null;
}

/**
 * Every change to an event, as the pure state machine takes it and the store keeps it: the
 * timeline is these records, and replaying them rebuilds the event after a restart.
 */
export type EventRecord =
  | { readonly kind: 'opened'; readonly atMs: number; readonly by: string; readonly family: FamilyId; readonly street: string | null; readonly alarm: EventAlarm }
  /** On the timeline, `run` when the alarm is its device's latest of a run (rejoin-runs.ts); never in a stored record. */
  | { readonly kind: 'joined'; readonly atMs: number; readonly by: string; readonly alarm: EventAlarm; readonly run?: JoinRun }
  | { readonly kind: 'alarm-closed'; readonly atMs: number; readonly by: string; readonly alarmId: string }
  | { readonly kind: 'dispatched'; readonly atMs: number; readonly by: string; readonly department: string; readonly ackDueAtMs: number; readonly resolveDueAtMs: number; readonly note: string }
  | { readonly kind: 'started'; readonly atMs: number; readonly by: string; readonly note: string }
  /** `cause`: why it happened (resolution-causes.ts); absent on a resolution made before causes were kept. */
  | { readonly kind: 'resolved'; readonly atMs: number; readonly by: string; readonly note: string; readonly cause?: ResolutionCause }
  | { readonly kind: 'closed'; readonly atMs: number; readonly by: string; readonly note: string }
  | { readonly kind: 'reopened'; readonly atMs: number; readonly by: string; readonly note: string }
  | { readonly kind: 'commented'; readonly atMs: number; readonly by: string; readonly note: string }
  | { readonly kind: 'escalated'; readonly atMs: number; readonly by: string; readonly reason: EscalationReason; readonly department: string; readonly to: string | null }
  /**
   * A more severe alarm joined (right after its `joined`): the event takes its severity and title,
   * and due times by the new severity counted from the latest dispatch (null while not dispatched).
   */
  | {
    readonly kind: 'severity-raised'; readonly atMs: number; readonly by: string; readonly alarmId: string; readonly from: AlarmSeverity; readonly severity: AlarmSeverity;
    readonly titleZh: string; readonly titleEn: string; readonly ackDueAtMs: number | null; readonly resolveDueAtMs: number | null;
  };

export type EventRecordKind = EventRecord['kind'];

/**
 * Alarms of one rule and device that joined an event one after another, each closed before the
 * next opened, with nothing else happening between (a flapping device: rejoin-runs.ts). The
 * timeline keeps one `joined` entry for the run, of its latest alarm; the run says how many, and
 * the first's time and id. Every join is still a point of its own in InfluxDB.
 */
export interface JoinRun {
  readonly count: number;
  readonly firstAtMs: number;
  readonly firstAlarmId: string;
}

export interface Escalation {
  readonly atMs: number;
  readonly reason: EscalationReason;
  /** The department that was late, and the next level told of it (null: none above). */
  readonly department: string;
  readonly to: string | null;
}

export interface DistrictEvent {
  readonly id: string;
  readonly family: FamilyId;
  /** The street it happened in; null for a district-wide event (an air episode: departments.json joinScope). */
  readonly street: string | null;
  readonly severity: AlarmSeverity;
  readonly state: EventState;
  readonly titleZh: string;
  readonly titleEn: string;
  readonly alarms: readonly EventAlarm[];
  readonly department: string | null;
  readonly openedAtMs: number;
  readonly updatedAtMs: number;
  /** The latest alarm that opened or joined it: related alarms join within the join window of it. */
  readonly lastAlarmAtMs: number;
  readonly dispatchedAtMs: number | null;
  /** The department started work (in progress): the "acknowledged" of the figures. */
  readonly acknowledgedAtMs: number | null;
  readonly resolvedAtMs: number | null;
  readonly closedAtMs: number | null;
  readonly ackDueAtMs: number | null;
  readonly resolveDueAtMs: number | null;
  /** Since when every alarm of the event is closed; null while one is still open. */
  readonly clearSinceMs: number | null;
  readonly escalations: readonly Escalation[];
  readonly reopened: number;
  /**
   * How many changes the event has taken, joins folded into a run included: its version. The
   * timeline's length is not one, as a run's join takes the place of its device's previous entries.
   */
  readonly changes: number;
  readonly timeline: readonly EventRecord[];
}
