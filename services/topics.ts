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
}

/** The MQTT topic API: the only place where topic strings are built or taken apart. */
export function createTopics(prefix: string): Topics {
  const version = 'v1';
  return {
    prefix,
    build: (family, deviceId, kind) => `${prefix}/${version}/${family}/${deviceId}/${kind}`,
    filterAll: (kind) => `${prefix}/${version}/+/+/${kind}`,
    alarms: () => `${prefix}/${version}/alarms`,
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
