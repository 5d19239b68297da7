import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createFramer } from '../../services/hj212/framer.ts';
import { parseSegment } from '../../services/hj212/packet.ts';
import { replyTo } from '../../services/hj212/reply.ts';
import { createLogger } from '../../services/log.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { createHj212Fleet } from '../../simulators/hj212-fleet.ts';

describe('a simulated HJ 212 station waits for its 9014 (issue 20, item 5)', () => {
  it('sends its hourly packet again, same QN, when the answer does not come, and stops once answered', async () => {
    const hourly: string[] = [];
    const sockets = new Set<Socket>();
    // A receiver of real sockets that ignores the first hourly packet and answers the second.
    const server = createServer((socket) => {
      sockets.add(socket);
      const framer = createFramer({ maxSegmentBytes: 9_999 });
      socket.on('data', (chunk: Buffer) => {
        for (const event of framer.push(chunk)) {
          if (event.kind !== 'frame') continue;
          const parsed = parseSegment(event.frame.segment);
          if (!parsed.ok || parsed.packet.cn !== '2061') continue;
          hourly.push(parsed.packet.qn!);
          const reply = replyTo(parsed.packet);
          if (hourly.length >= 2 && reply) socket.write(reply);
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const registry = await loadRegistryFile('seeds/devices.json');
    const station = registry.devices.find((device) => device.id === 'water-buji-river-mouth')!;
    const fleet = createHj212Fleet({ url: { host: '127.0.0.1', port }, devices: [station], fleetKey: 'test-key', seed: 1, log: createLogger('silent'), intervalMs: 3_600_000, replyTimeoutMs: 300, retries: 3 });
    await fleet.start();
    const deadline = Date.now() + 30_000;
    while (fleet.stats().answered < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await fleet.close();
    for (const socket of sockets) socket.destroy();
    server.close();
    expect(fleet.stats()).toMatchObject({ answered: 1, resent: 1, unanswered: 0 });
    expect(hourly).toHaveLength(2);
    expect(hourly[1]).toBe(hourly[0]);
  }, 60_000);
});
