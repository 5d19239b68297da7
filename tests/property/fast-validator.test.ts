import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { familyIds, getFamily } from '../../services/families/index.ts';
import { fastValidatorFor } from '../../services/ingest/fast-validator.ts';
import { itemTextArb, readingTextArb, sceneArb } from './support/hostile.ts';

// The door checks values with a validator compiled from the family module; zod stays the
// source of truth. On the hostile-input suite's readings the two must agree: the same
// verdict and, when valid, the same values in the same order.

function agree(family: (typeof familyIds)[number], text: string): void {
  let item: unknown;
  try {
    item = JSON.parse(text);
  } catch {
    return;
  }
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return;
  const { ts: _ts, ...values } = item as Record<string, unknown>;
  const zod = getFamily(family).valuesSchema.safeParse(values);
  const fast = fastValidatorFor(getFamily(family))(item as Record<string, unknown>);
  if (zod.success) {
    expect(fast, text).not.toBeNull();
    expect(Object.entries(fast!), text).toEqual(Object.entries(zod.data));
  } else {
    expect(fast, text).toBeNull();
  }
}

describe('the fast validator agrees with the family zod schema', () => {
  it('on the hostile suite items', () => {
    fc.assert(fc.property(sceneArb.chain((scene) => itemTextArb(scene, 3).map((text) => ({ scene, text }))), ({ scene, text }) => agree(scene.family, text)), { seed: 20_260_901, numRuns: 4_000 });
  });

  it('on plausible readings, mostly valid', () => {
    fc.assert(fc.property(sceneArb.chain((scene) => readingTextArb(scene.family, scene.receivedAtMs, scene.profile.limits, 0).map((text) => ({ scene, text }))), ({ scene, text }) => agree(scene.family, text)), { seed: 20_260_902, numRuns: 2_000 });
  });

  it('at the edges: bounds, integers, -0, unknown and inherited keys', () => {
    for (const family of familyIds) {
      for (const [key, spec] of Object.entries(getFamily(family).fields)) {
        for (const value of [spec.min, spec.max, spec.min - 1e-9, spec.max + 1e-9, -0, 0.5, 2 ** 53, 2 ** 53 - 1]) agree(family, JSON.stringify({ [key]: value }));
        agree(family, `{"${key}":1,"__proto__":1}`);
        agree(family, `{"${key}":1,"toString":1}`);
        agree(family, `{"${key}":"1"}`);
        agree(family, `{"${key}":null}`);
      }
      agree(family, '{}');
      agree(family, '{"ts":1}');
      // Keys in and out of the schema's order (the validator copies in one pass, then reorders): same values, same order.
      const middle = (spec: { min: number; max: number }) => Math.round((spec.min + spec.max) / 2);
      const inOrder = Object.entries(getFamily(family).fields).map(([key, spec]) => [key, middle(spec)] as const);
      agree(family, JSON.stringify(Object.fromEntries(inOrder)));
      agree(family, JSON.stringify(Object.fromEntries([['ts', 1], ...inOrder.toReversed()])));
      agree(family, JSON.stringify(Object.fromEntries([...inOrder.slice(1), inOrder[0]!])));
    }
  });
});
