/**
 * The reference point "aedes alone": the same broker library on raw TCP, each login
 * accepted and each publish authorised and acknowledged at once, with no ingest, so that
 * the bench can say what the platform costs above the broker it embeds.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const aedes = new Aedes({
  authenticate: (_client, username, password, callback) => callback(null, Boolean(username && password)),
  // Authorise, then drop: nobody subscribes, as the platform routes refused messages nowhere.
  authorizePublish: (client, packet, callback) => callback(client && packet.topic.endsWith('/telemetry') ? null : new Error('not allowed')),
});
await aedes.listen();
const server = createServer((socket) => aedes.handle(socket));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.send!({ type: 'started', port });
});
process.on('message', (request: { type: string }) => {
  if (request.type === 'stats') {
    const cpu = process.cpuUsage();
    process.send!({ type: 'stats', cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rssBytes: process.memoryUsage().rss });
  } else {
    server.close();
    aedes.close(() => {
      process.send!({ type: 'closed' });
      process.disconnect();
    });
  }
});

// The bench gone (crashed, interrupted): nothing of it may stay running.
process.once('disconnect', () => setTimeout(() => process.exit(0), 2_000).unref());
