import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { familyIds } from '../../services/families/index.ts';
import { createTopics, deviceIdPattern, topicKinds } from '../../services/topics.ts';
import { hostileString, seeds } from './support/hostile.ts';

// Property 5 of the hostile-input suite: the topic API parses any string without throwing,
// and whatever it accepts is a topic it would build itself, for a device id that needs no
// escaping anywhere (topics.ts: no MQTT wildcards, no '/', no line-protocol specials).

const topics = createTopics('luohu');

/** A level that is right, nearly right, or anything. */
const level = (right: readonly string[]) =>
  fc.oneof(
    { weight: 16, arbitrary: fc.constantFrom(...right) },
    { weight: 1, arbitrary: fc.constantFrom(...right).map((text) => text.toUpperCase()) },
    { weight: 1, arbitrary: fc.constantFrom(...right).map((text) => ` ${text}`) },
    { weight: 1, arbitrary: fc.constantFrom('', '+', '#', '..', 'constructor', '__proto__', 'hasOwnProperty', 'v2', 'luohu ') },
    { weight: 2, arbitrary: hostileString(8) },
  );
const deviceId = fc.oneof(
  { weight: 10, arbitrary: fc.stringMatching(deviceIdPattern) },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(64), 'a'.repeat(65), '-a', '_a', 'a b', 'a,b', 'a=b', 'a+', 'a#', 'a\n', 'a\\', 'ａ', 'a\u0000') },
  { weight: 2, arbitrary: hostileString(10) },
);
const topicArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(level(['luohu']), level(['v1']), level(familyIds), deviceId, level(topicKinds)).map((levels) => levels.join('/')) },
  { weight: 1, arbitrary: fc.array(fc.oneof(level(['luohu', 'v1', ...familyIds, ...topicKinds]), deviceId), { maxLength: 8 }).map((levels) => levels.join('/')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('', '/', '//', '\n', '\u0000'), fc.constantFrom('luohu/v1/air/air-guiyuan/telemetry'), fc.constantFrom('', '/', '/#', '\n', ' ')).map((parts) => parts.join('')) },
);

describe('topics', () => {
  it('parses any string without throwing; what it accepts rebuilds to the same topic', () => {
    let accepted = 0;
    fc.assert(
      fc.property(topicArb, (topic) => {
        const address = topics.parse(topic);
        if (address === null) return;
        accepted++;
        expect(topics.build(address.family, address.deviceId, address.kind)).toBe(topic);
        expect(address.deviceId).toMatch(deviceIdPattern);
        expect(familyIds).toContain(address.family);
        expect(topicKinds).toContain(address.kind);
        expect(address.deviceId).not.toMatch(/[/+#,= "\\\n\r]/);
      }),
      {
        seed: seeds.topics,
        numRuns: 5_000,
        examples: [
          ['luohu/v1/air/air-guiyuan/telemetry'],
          ['luohu/v1/air/air-guiyuan/telemetry/'],
          ['/luohu/v1/air/air-guiyuan/telemetry'],
          ['luohu/v1/constructor/x/telemetry'],
          ['luohu/v1/air/+/telemetry'],
          ['luohu/v1/air/air-guiyuan\n/telemetry'],
          ['luohu/v1/air/a\u0000/telemetry'],
          ['luohu/v1/air//telemetry'],
          [''],
        ],
      },
    );
    expect(accepted).toBeGreaterThan(800);
  });

  it('parses every topic it builds back to its parts', () => {
    fc.assert(
      fc.property(fc.constantFrom(...familyIds), fc.stringMatching(deviceIdPattern), fc.constantFrom(...topicKinds), (family, id, kind) => {
        expect(topics.parse(topics.build(family, id, kind))).toEqual({ family, deviceId: id, kind });
      }),
      { seed: seeds.topics + 1, numRuns: 500 },
    );
  });
});
