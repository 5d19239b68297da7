/**
 * The load of bench/hj212-throughput.ts, in a process of its own: `stations` TCP connections,
 * each sending `packets` hourly packets (CN=2061, answer bit, 7 factors) with up to `window`
 * awaiting their 9014; reports when every packet is answered, with its own CPU time.
 */
import { encodeFrame } from '../services/hj212/reply.ts';
import { connectStation } from '../simulators/hj212-client.ts';

interface LoadRequest { port: number; stations: number; packets: number; window: number; firstHourMs: number }

const dataTime = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
export const benchMn = (i: number) => `BENCH${String(i).padStart(9, '0')}`;

process.once('message', async (request: LoadRequest) => {
  const connections = await Promise.all(Array.from({ length: request.stations }, () => connectStation({ host: '127.0.0.1', port: request.port })));
  process.send!({ type: 'connected' });
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(connections.map(async (connection, s) => {
    let sent = 0;
    let answered = 0;
    const send = () => {
      const start = request.firstHourMs + sent * 3_600_000;
      const v = (base: number) => (base + ((s + sent) % 17)).toFixed(1);
      connection.send(encodeFrame(`QN=${dataTime(start)}${String(sent % 1000).padStart(3, '0')};ST=22;CN=2061;PW=123456;MN=${benchMn(s + 1)};Flag=5;CP=&&DataTime=${dataTime(start)};a34004-Avg=${v(20)},a34004-Flag=N;a34002-Avg=${v(40)},a34002-Flag=N;a21026-Avg=${v(5)},a21026-Flag=N;a21004-Avg=${v(25)},a21004-Flag=N;a21005-Avg=0.6,a21005-Flag=N;a05024-Avg=${v(80)},a05024-Flag=N;a01001-Avg=${v(15)},a01001-Flag=N&&`));
      sent += 1;
    };
    while (sent < Math.min(request.window, request.packets)) send();
    while (answered < request.packets) {
      await connection.nextReply();
      answered += 1;
      if (sent < request.packets) send();
    }
  }));
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await Promise.all(connections.map((connection) => connection.close()));
  process.send!({ type: 'done', elapsedMs, cpuUs: used.user + used.system });
  process.disconnect();
});
