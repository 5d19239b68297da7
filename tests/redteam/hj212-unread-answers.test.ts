import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createFramer } from '../../services/hj212/framer.ts';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { useStationPlatform } from '../helpers/hj212-station.ts';

/**
 * A station that sends and never reads its socket. Its answers went into the socket's buffer
 * whatever its fill (socket.write's false ignored): 5,000 1013 requests with a 3.9 KB QN each
 * (one 4 KB segment, under hj212.maxSegmentBytes) left 20 MB of 9013s in the platform's memory,
 * and a station at its rate (100 packets a second) grows it by that much every 50 s, for as long
 * as its connection lives. Past the socket's high-water mark the connection is read no more
 * until its answers drain (TCP backpressure, as for frames waiting for the spool); none is lost.
 */
describe('red team: HJ 212 answers a station never reads', () => {
  // The rate is lifted so that the flood takes seconds, not the minutes it takes at 100 a second: same memory.
  const stations = useStationPlatform('redteam-hj212-unread', 1, { hj212: { stationPacketsPerSecond: 100_000, stationItemsPerSecond: 1_000_000 } });
  const replies = () => stations.test.metric('wanxiang_hj212_replies_total', { cn: '9013' });

  it('stops reading a connection whose answers are not read, and sends every answer once they are', async () => {
    const url = new URL(stations.test.endpoints.hj212Url!);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    try {
      await once(socket, 'connect');
      socket.pause();
      const frames = 5_000;
      const frame = encodeFrame(`QN=${'7'.repeat(3_900)};ST=23;CN=1013;PW=123456;MN=LOAD000000001;Flag=5;CP=&&&&`);
      for (let i = 0; i < frames; i += 1) socket.write(frame);
      // Nothing signals "no more is read": the count of answers must stop below the flood and stay there.
      let last = -1;
      await expect.poll(async () => {
        const now = await replies();
        const still = now === last && now > 0;
        last = now;
        return still;
      }, { timeout: 30_000, interval: 1_000 }).toBe(true);
      expect(last).toBeLessThan(frames / 2);
      // The platform stopped reading: what the station wrote waits on its side.
      expect(socket.writableLength).toBeGreaterThan(0);
      // Read now: every packet is answered, in order, none lost.
      const framer = createFramer({ maxSegmentBytes: 9_999 });
      let answered = 0;
      socket.on('data', (chunk: Buffer) => {
        for (const event of framer.push(chunk)) if (event.kind === 'frame' && event.frame.raw.includes('CN=9013')) answered += 1;
      });
      socket.resume();
      await expect.poll(() => answered, { timeout: 60_000 }).toBe(frames);
    } finally {
      socket.destroy();
    }
  }, 120_000);
});
