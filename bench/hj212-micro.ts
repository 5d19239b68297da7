/**
 * The HJ 212 receiver's per-packet work alone, stage by stage (framer, CP parse, CRC, station
 * login, mapping into line protocol, the answer), with no socket, spool or broker: CPU µs a
 * packet for the bench's hourly packet of 7 factors, so a change to the hot path can be judged
 * in seconds. `npx tsx bench/hj212-micro.ts`. `npm run bench:hj212` is the figure that counts.
 */
import { parseConfig } from '../services/config.ts';
import { matchCrc } from '../services/hj212/crc.ts';
import { createFramer, type Frame } from '../services/hj212/framer.ts';
import { parseSegment, type Packet } from '../services/hj212/packet.ts';
import { encodeFrame, replyTo } from '../services/hj212/reply.ts';
import { createStationDirectory } from '../services/hj212/station-auth.ts';
import { takePacket } from '../services/hj212/station-door.ts';
import { recordHeader } from '../services/ingest/spool-record.ts';
import { createDeviceRegistry, loadRegistryFile } from '../services/registry/device-registry.ts';
import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { hashSecret } from '../services/registry/secrets.ts';

const config = parseConfig({});
const file = await loadRegistryFile(config.registryFile);
const template = file.devices.find((device) => device.family === 'air')!;
const stations = 1_000;
const pwHash = await hashSecret('123456');
for (let i = 1; i <= stations; i += 1) {
  const id = `air-bench-${String(i).padStart(4, '0')}`;
  file.devices.push({ ...template, id, site: id, hj212: { mn: `BENCH${String(i).padStart(9, '0')}`, pwHash, crc: 'strict' } });
}
const registry = createDeviceRegistry(file);
const directory = createStationDirectory(registry);
const dataTime = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
const firstHourMs = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 25 * 3_600_000;
const frames: Buffer[] = [];
for (let s = 0; s < stations; s += 1) {
  for (let sent = 0; sent < 24; sent += 1) {
    const start = firstHourMs + sent * 3_600_000;
    const v = (base: number) => (base + ((s + sent) % 17)).toFixed(1);
    frames.push(encodeFrame(`QN=${dataTime(start)}${String(sent % 1000).padStart(3, '0')};ST=22;CN=2061;PW=123456;MN=BENCH${String(s + 1).padStart(9, '0')};Flag=5;CP=&&DataTime=${dataTime(start)};a34004-Avg=${v(20)},a34004-Flag=N;a34002-Avg=${v(40)},a34002-Flag=N;a21026-Avg=${v(5)},a21026-Flag=N;a21004-Avg=${v(25)},a21004-Flag=N;a21005-Avg=0.6,a21005-Flag=N;a05024-Avg=${v(80)},a05024-Flag=N;a01001-Avg=${v(15)},a01001-Flag=N&&`));
  }
}

const cpuUs = () => {
  const used = process.cpuUsage();
  return used.user + used.system;
};
const stages: Record<string, number> = {};
const time = <T>(name: string, run: () => T): T => {
  const start = cpuUs();
  const out = run();
  stages[name] = (stages[name] ?? 0) + cpuUs() - start;
  return out;
};

// In slices of 500 frames (about what is in flight at once): the rest is garbage, as in the receiver.
const slice = 500;
for (let round = 0; round < 6; round += 1) {
  for (const key of Object.keys(stages)) stages[key] = 0;
  const framer = createFramer({ maxSegmentBytes: config.hj212.maxSegmentBytes });
  const now = Date.now();
  for (let from = 0; from < frames.length; from += slice) {
    const got = time('framer', () => frames.slice(from, from + slice).flatMap((raw) => framer.push(raw)).map((event) => (event as { frame: Frame }).frame));
    const parsed = time('parse', () => got.map((frame) => (parseSegment(frame.segment) as { packet: Packet }).packet));
    time('crc', () => got.forEach((frame) => matchCrc(frame.segment, frame.crc, 'strict')));
    const startLogin = cpuUs();
    const logins: DeviceRecord[] = [];
    for (const packet of parsed) logins.push((await directory.login(packet.mn!, packet.pw!) as { station: DeviceRecord }).station);
    stages.login = (stages.login ?? 0) + cpuUs() - startLogin;
    const intakes = time('map', () => parsed.map((packet, i) => takePacket(packet, logins[i]!, (id) => registry.device(id), now, config.ingest)));
    time('record', () => intakes.forEach((intake) => intake.records.forEach((record) => Buffer.byteLength(recordHeader({ family: record.device.family, device: record.device.id, hour: 0 }) + record.lines.join('\n')))));
    time('reply', () => parsed.forEach((packet) => replyTo(packet)));
  }
  const total = Object.values(stages).reduce((sum, value) => sum + value, 0);
  process.stdout.write(`${Object.entries(stages).map(([name, us]) => `${name} ${(us / frames.length).toFixed(2)}`).join(', ')}; total ${(total / frames.length).toFixed(1)} µs a packet\n`);
}
