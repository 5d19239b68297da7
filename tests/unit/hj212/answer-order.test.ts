import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAnswerOrder } from '../../../services/hj212/answer-order.ts';

/** An answer order whose answers and let-go frames are written down. */
function recorded() {
  const sent: string[] = [];
  let letGo = 0;
  const order = createAnswerOrder<string>((answer) => sent.push(answer), () => (letGo += 1));
  return { order, sent, letGo: () => letGo };
}

describe('HJ 212 answers of one connection, each station in its own order (answer-order.ts)', () => {
  it('holds a station\'s answers behind its own frame still pending, never behind another station\'s', () => {
    const { order, sent, letGo } = recorded();
    const held = order.add('A');
    const a2 = order.add('A');
    const b1 = order.add('B');
    a2.settle('A2');
    b1.settle('B1');
    // B's answer leaves at once; A's second waits for A's first.
    expect(sent).toEqual(['B1']);
    expect(order.pending).toBe(2);
    held.settle(undefined); // refused: no answer, and A's next goes
    expect(sent).toEqual(['B1', 'A2']);
    expect(letGo()).toBe(3);
    expect({ pending: order.pending, stations: order.stations }).toEqual({ pending: 0, stations: 0 });
  });

  it('a frame settled twice is let go once and releases nothing of a newer queue of its station', () => {
    const { order, sent, letGo } = recorded();
    const first = order.add('A');
    first.settle('A1');
    const second = order.add('A');
    const third = order.add('A');
    first.settle('again');
    third.settle('A3');
    // Behind A's second too: the second settle dropped no queue, so a later frame does not start a new one.
    const fourth = order.add('A');
    fourth.settle('A4');
    expect(sent).toEqual(['A1']);
    second.settle('A2');
    expect(sent).toEqual(['A1', 'A2', 'A3', 'A4']);
    expect(letGo()).toBe(4);
  });

  it('whatever order frames are done in: each station\'s answers in its order, all of them, each frame let go once', () => {
    // Frames of up to 4 stations, settled in any order, some without an answer.
    const frames = fc.array(fc.record({ station: fc.constantFrom('A', 'B', 'C', ''), answered: fc.boolean() }), { maxLength: 40 });
    fc.assert(fc.property(frames.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray([...list.keys()], { minLength: list.length }))), ([list, settleOrder]) => {
      const { order, sent, letGo } = recorded();
      const slots = list.map(({ station }) => order.add(station));
      for (const i of settleOrder) slots[i]!.settle(list[i]!.answered ? `${list[i]!.station}#${i}` : undefined);
      const ownOrder = (station: string, answers: string[]) => answers.filter((answer) => answer.split('#')[0] === station);
      const expected = list.flatMap(({ station, answered }, i) => (answered ? [`${station}#${i}`] : []));
      for (const station of ['A', 'B', 'C', '']) expect(ownOrder(station, sent)).toEqual(ownOrder(station, expected));
      expect(sent).toHaveLength(expected.length);
      expect(letGo()).toBe(list.length);
      expect({ pending: order.pending, stations: order.stations }).toEqual({ pending: 0, stations: 0 });
    }));
  });
});
