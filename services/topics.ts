import { isFamilyId, type FamilyId } from './families/index.ts';

/**
 * Device ids are also topic levels and InfluxDB tag values, so they are kept to a
 * character set that needs no escaping anywhere: no MQTT wildcards, no '/', no
 * line-protocol specials.
 */
export const deviceIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** `errors`: the platform tells a device why a message of its was refused (only the platform publishes there). */
export const topicKinds = ['telemetry', 'status', 'cmd', 'errors'] as const;
export type TopicKind = (typeof topicKinds)[number];

export interface DeviceTopic {
  readonly family: FamilyId;
  readonly deviceId: string;
  readonly kind: TopicKind;
}

export interface Topics {
  readonly prefix: string;
  build(family: FamilyId, deviceId: string, kind: TopicKind): string;
  /** Parses `{prefix}/v1/{family}/{deviceId}/{kind}`; null for anything else. */
  parse(topic: string): DeviceTopic | null;
  /** Subscription filter for one kind across all families and devices. */
  filterAll(kind: TopicKind): string;
  /** `{prefix}/v1/alarms`: every alarm change, published by the platform (observers may subscribe). */
  alarms(): string;
  /**
   * `{prefix}/v1/hj212/{deviceId}` (`+` for all): the raw HJ 212 frames a station sent, relayed by
   * the platform once stored, so that `record` keeps them (issue 20, item 5). Only the platform publishes there.
   */
  stationFrames(deviceId?: string): string;
  /** The station a stationFrames topic names, or null. */
  parseStationFrames(topic: string): string | null;
}

/** The MQTT topic API: the only place where topic strings are built or taken apart. */
export function createTopics(prefix: string): Topics {
  const version = 'v1';
  return {
    prefix,
    build: (family, deviceId, kind) => `${prefix}/${version}/${family}/${deviceId}/${kind}`,
    filterAll: (kind) => `${prefix}/${version}/+/+/${kind}`,
    alarms: () => `${prefix}/${version}/alarms`,
    stationFrames: (deviceId = '+') => `${prefix}/${version}/hj212/${deviceId}`,
    parseStationFrames(topic) {
      const levels = topic.split('/');
      return levels.length === 4 && levels[0] === prefix && levels[1] === version && levels[2] === 'hj212' && deviceIdPattern.test(levels[3]!) ? levels[3]! : null;
    },
    parse(topic) {
      const levels = topic.split('/');
      if (levels.length !== 5) return null;
      const [first, ver, family, deviceId, kind] = levels as [string, string, string, string, string];
      if (first !== prefix || ver !== version) return null;
      if (!isFamilyId(family) || !deviceIdPattern.test(deviceId)) return null;
      if (!(topicKinds as readonly string[]).includes(kind)) return null;
      return { family, deviceId, kind: kind as TopicKind };
    },
  };
}
