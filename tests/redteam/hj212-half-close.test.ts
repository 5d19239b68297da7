import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { beijingDigits as beijing, useStationPlatform } from '../helpers/hj212-station.ts';

let qn = 0;
const nextQn = () => `${beijing(0, 14)}${String((qn += 1) % 1000).padStart(3, '0')}`;

/**
 * A station that sends its packets and then shuts its side of the connection (FIN), as a
 * one-shot uploader does, waiting for its answers before it lets go. The platform closed its own
 * side at once (Node's default), before the spool had the packets: they were stored and never
 * answered, so the station sent them again. Now its answers are sent, then the connection ends;
 * a frame cut by the FIN is neither stored nor answered.
 */
describe('red team: HJ 212 station that half-closes after sending', () => {
  const stations = useStationPlatform('redteam-hj212-half-close', 1);

  it('answers every packet sent before the FIN, then ends the connection', async () => {
    const url = new URL(stations.test.endpoints.hj212Url!);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    await once(socket, 'connect');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const qns = [nextQn(), nextQn(), nextQn()];
    const frames = qns.map((id, n) => encodeFrame(`QN=${id};ST=23;CN=2011;PW=123456;MN=LOAD000000001;Flag=5;CP=&&DataTime=${beijing(60_000 - n * 2_000)};LA-Rtd=5${n}.5&&`));
    // The third is cut: its first half only, then the FIN.
    socket.end(Buffer.concat([frames[0]!, frames[1]!, frames[2]!.subarray(0, 40)]));
    await once(socket, 'close');
    const text = Buffer.concat(received).toString('latin1');
    expect(text.match(/CN=9014/g)?.length).toBe(2);
    expect(text).toContain(`QN=${qns[0]};ST=91;CN=9014`);
    expect(text).toContain(`QN=${qns[1]};ST=91;CN=9014`);
    await stations.test.platform.ingest.drain();
    const rows = await stations.test.platform.influx.query(`SELECT la_dba FROM noise WHERE device = 'noise-load-0001'`);
    expect(rows[0]?.values.map((row) => row[1])).toEqual([50.5, 51.5]);
  }, 30_000);
});
