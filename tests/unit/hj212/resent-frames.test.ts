import { describe, expect, it } from 'vitest';
import { createResentFrames, rememberMs, type Claim } from '../../../services/hj212/resent-frames.ts';

const segment = (qn: string, cp = 'LA-Rtd=50') => Buffer.from(`QN=${qn};ST=23;CN=2011;PW=123456;MN=LOAD000000001;Flag=5;CP=&&${cp}&&`);
/** A claim as the receiver takes it (a promise only while a copy waits for the frame being stored). */
const claim = (frames: ReturnType<typeof createResentFrames>, qn: string | undefined, atMs = 0, cp?: string, device = 'station-1') => frames.claim(device, qn, segment(qn ?? '', cp), atMs);
/** A frame claimed and stored. */
const stored = (frames: ReturnType<typeof createResentFrames>, qn: string, atMs = 0, cp?: string, device?: string) => {
  const ticket = claim(frames, qn, atMs, cp, device) as Claim;
  expect(ticket).not.toBeInstanceOf(Promise);
  frames.settle(ticket, true);
  return ticket;
};

describe('the frames a station sent, remembered to recognise its retransmissions', () => {
  it('knows a frame stored as again, within the window; not past it', () => {
    const frames = createResentFrames({ perStation: 100 });
    expect(stored(frames, 'Q1', 0)).toMatchObject({ deviceId: 'station-1' });
    expect(claim(frames, 'Q1', rememberMs - 1)).toBe('again');
    expect(claim(frames, 'Q1', rememberMs)).toMatchObject({ deviceId: 'station-1' });
  });

  it('keys on the whole segment, per station: the same QN with other bytes (split parts) or of another station is new', () => {
    const frames = createResentFrames({ perStation: 100 });
    stored(frames, 'Q1', 0, 'PNO=1');
    expect(claim(frames, 'Q1', 0, 'PNO=2')).toMatchObject({ deviceId: 'station-1' });
    expect(claim(frames, 'Q1', 0, 'PNO=1', 'station-2')).toMatchObject({ deviceId: 'station-2' });
  });

  it('never remembers a frame without QN (HJ/T 212-2005)', () => {
    const frames = createResentFrames({ perStation: 100 });
    expect(claim(frames, undefined)).toBeUndefined();
    expect(claim(frames, undefined)).toBeUndefined();
    expect(frames.size).toBe(0);
  });

  it('a copy of a frame being stored waits: again once it is stored, stored itself when it was not', async () => {
    const frames = createResentFrames({ perStation: 100 });
    const first = claim(frames, 'Q1') as Claim;
    const copy = claim(frames, 'Q1');
    expect(copy).toBeInstanceOf(Promise);
    frames.settle(first, true);
    expect(await copy).toBe('again');

    const failed = claim(frames, 'Q2') as Claim;
    const retry = claim(frames, 'Q2');
    frames.settle(failed, false);
    const ticket = await retry;
    expect(ticket).toMatchObject({ deviceId: 'station-1' });
    frames.settle(ticket, true);
    expect(claim(frames, 'Q2')).toBe('again');
  });

  it('holds at most perStation frames of a station sending 100,000 distinct QNs, its newest', () => {
    const frames = createResentFrames({ perStation: 4_000 });
    for (let i = 0; i < 100_000; i += 1) stored(frames, `Q${i}`, i);
    expect(frames.size).toBe(4_000);
    expect(claim(frames, 'Q99999', 100_000)).toBe('again');
    expect(claim(frames, 'Q0', 100_000)).toMatchObject({ deviceId: 'station-1' });
  });

  it('forgets what is past the window at the sweep, quiet stations too', () => {
    const frames = createResentFrames({ perStation: 100 });
    stored(frames, 'Q1', 0, undefined, 'station-1');
    stored(frames, 'Q2', 1_000, undefined, 'station-2');
    frames.sweep(rememberMs + 500);
    expect(frames.size).toBe(1);
    frames.sweep(rememberMs + 1_000);
    expect(frames.size).toBe(0);
  });
});
