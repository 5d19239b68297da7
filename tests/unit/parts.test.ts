import { describe, expect, it } from 'vitest';
import { createParts, type Part } from '../../services/components/part.ts';

/** A part that writes what it does into `steps`; `failStart` makes its start throw half way. */
function recordingPart(name: string, steps: string[], options: { failStart?: boolean; failClose?: boolean } = {}): Part<string> {
  return {
    async start() {
      steps.push(`start ${name}`);
      if (options.failStart) throw new Error(`${name} failed to start`);
      return name;
    },
    detach: () => void steps.push(`detach ${name}`),
    async stopInput() {
      steps.push(`stop input ${name}`);
    },
    async close() {
      steps.push(`close ${name}`);
      if (options.failClose) throw new Error(`${name} failed to close`);
    },
  };
}

describe('the platform parts (issue 24, item 4)', () => {
  it('start in the order begun and stop in reverse, every part detaching, then stopping input, then closing', async () => {
    const steps: string[] = [];
    const parts = createParts();
    expect(await parts.begin(recordingPart('storage', steps))).toBe('storage');
    await parts.begin(recordingPart('ingest', steps));
    await parts.begin(recordingPart('doors', steps));
    await parts.close();
    expect(steps).toEqual([
      'start storage', 'start ingest', 'start doors',
      'detach doors', 'detach ingest', 'detach storage',
      'stop input doors', 'stop input ingest', 'stop input storage',
      'close doors', 'close ingest', 'close storage',
    ]);
  });

  it('stops a part whose start threw, with those begun before it, and begins nothing after', async () => {
    const steps: string[] = [];
    const parts = createParts();
    await parts.begin(recordingPart('storage', steps));
    await expect(parts.begin(recordingPart('ingest', steps, { failStart: true }))).rejects.toThrow('ingest failed to start');
    await parts.close();
    expect(steps.filter((step) => step.startsWith('close'))).toEqual(['close ingest', 'close storage']);
  });

  it('ends at the first error of a stop step and throws it, as the platform did before the split', async () => {
    const steps: string[] = [];
    const parts = createParts();
    await parts.begin(recordingPart('storage', steps));
    await parts.begin(recordingPart('ingest', steps, { failClose: true }));
    await expect(parts.close()).rejects.toThrow('ingest failed to close');
    expect(steps.at(-1)).toBe('close ingest');
  });

  it('stops only the steps a part has', async () => {
    const steps: string[] = [];
    const parts = createParts();
    await parts.begin({ start: async () => void steps.push('start bare') });
    await parts.begin(recordingPart('doors', steps));
    await parts.close();
    expect(steps).toEqual(['start bare', 'start doors', 'detach doors', 'stop input doors', 'close doors']);
  });
});
