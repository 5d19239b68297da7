import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { vectors } from '../fixtures/hj212-vectors.ts';
import { audit, firstRowHas, frameOf, reply, someRows, useAuditPlatform } from '../helpers/hj212-audit.ts';

/**
 * The HJ 212 receiver against the protocol cases of reference/hj212.md that issue 20 does not
 * list, each over a real socket: 2005 and 2025 packets, Flag bits, split sets in any order,
 * compat CRCs and frames, lying lengths, lenient CP syntax.
 */
const { station, probe, rowsWhen, test: platform } = useAuditPlatform();

describe('HJ 212 versions and Flag bits (reference §2.2, §2.4)', () => {
  it('answers a 2025 sender (Flag=9) with Flag=8, a later version (Flag=13) with Flag=12, a 2005 Flag=1 with Flag=0; Flag=4 and Flag=8 get nothing', async () => {
    const connection = await station();
    const mn = audit.generic.mn;
    const send = (qn: string, flag: number) => connection.send(encodeFrame(`QN=${qn};ST=22;CN=2011;PW=123456;MN=${mn};Flag=${flag};CP=&&DataTime=20240601083000;a34004-Rtd=11&&`));
    send('20240601083000001', 4);
    send('20240601083000002', 8);
    send('20240601083000003', 9);
    expect(await connection.nextReply()).toBe(reply('20240601083000003', mn, 8));
    send('20240601083000004', 13);
    expect(await connection.nextReply()).toBe(reply('20240601083000004', mn, 12));
    send('20240601083000005', 1);
    expect(await connection.nextReply()).toBe(reply('20240601083000005', mn, 0));
    const { devices } = (await (await fetch(`${platform().endpoints.httpUrl}/api/v1/devices?family=air`)).json()) as { devices: Array<{ id: string; hj212?: { version: number } }> };
    expect(devices.find((device) => device.id === audit.generic.id)!.hj212!.version).toBe(0);
  });

  it('answers a 2025 heartbeat (9015, Flag=9) with 9013 and Flag=8, exactly', async () => {
    const connection = await station();
    connection.send(encodeFrame(`QN=20260101000000001;ST=22;CN=9015;PW=123456;MN=${audit.generic.mn};Flag=9;CP=&&&&`));
    expect(await connection.nextReply()).toBe(reply('20260101000000001', audit.generic.mn, 8, '9013'));
  });

  it('takes a 2005 packet (no QN, no Flag) with the old codes 001 pH, 101 TP, 065 TN, and does not answer it', async () => {
    const connection = await station();
    connection.send(encodeFrame(`ST=32;CN=2011;PW=123456;MN=${audit.water.mn};CP=&&DataTime=20160824003817;001-Rtd=7.2,001-Flag=N;101-Rtd=0.12;065-Rtd=1.5,065-Flag=N&&`));
    const expected = probe(connection);
    expect(await connection.nextReply()).toBe(expected);
    const [row] = await rowsWhen(`SELECT ph, tp_mgl, tn_mgl, ph_flag FROM water_quality WHERE device = '${audit.water.id}' AND time = ${Date.parse('2016-08-24T00:38:17+08:00')}ms`, someRows);
    expect(row).toMatchObject({ ph: 7.2, tp_mgl: 0.12, tn_mgl: 1.5, ph_flag: 'N' });
  });
});

describe('HJ 212 2005 loggers that want an answer (reference §3: caoyiliang/HJ212_Server answers Flag-less packets; a per-device option)', () => {
  it('answers a Flag-less packet of a station with answerFlagless (QN echoed, empty when absent; Flag=0), and no other station\'s', async () => {
    const connection = await station();
    const mn = audit.legacy.mn;
    connection.send(encodeFrame(`QN=20160824003817001;ST=32;CN=2011;PW=123456;MN=${mn};CP=&&DataTime=20160824003817;011-Rtd=231.0,011-Flag=N&&`));
    expect(await connection.nextReply()).toBe(reply('20160824003817001', mn, 0));
    connection.send(encodeFrame(`ST=32;CN=2011;PW=123456;MN=${mn};CP=&&DataTime=20160824003917;011-Rtd=232.0,011-Flag=N&&`));
    expect(await connection.nextReply()).toBe(encodeFrame(`QN=;ST=91;CN=9014;PW=123456;MN=${mn};Flag=0;CP=&&&&`).toString());
    // A Flag that says "no answer" is obeyed even so.
    connection.send(encodeFrame(`QN=20160824004017001;ST=32;CN=2011;PW=123456;MN=${mn};Flag=4;CP=&&DataTime=20160824004017;011-Rtd=233.0&&`));
    const expected = probe(connection);
    expect(await connection.nextReply()).toBe(expected);
  });
});

describe('HJ 212 packets that get no answer (reference §3, TV13)', () => {
  it('an empty MN (TV13) is refused as unknown; a device\'s own answers 9011, 9012, 9013, 9014 are never answered, even with the answer bit', async () => {
    const connection = await station();
    const unknown = await platform().metric('wanxiang_hj212_packets_total', { result: 'unknown_mn' });
    connection.send(Buffer.from(`${vectors.tv13EmptyMn}\r\n`));
    for (const [cn, cp] of [['9011', 'QnRtn=1'], ['9012', 'ExeRtn=1'], ['9013', ''], ['9014', '']]) {
      connection.send(encodeFrame(`QN=20240601121500001;ST=91;CN=${cn};PW=123456;MN=${audit.generic.mn};Flag=5;CP=&&${cp}&&`));
    }
    const expected = probe(connection);
    expect(await connection.nextReply()).toBe(expected);
    expect(await platform().metric('wanxiang_hj212_packets_total', { result: 'unknown_mn' })).toBe(unknown + 1);
  });
});

describe('HJ 212 split packets over a socket (C.49/C.50)', () => {
  const mn = audit.water.mn;
  const part = (qn: string, order: 'pnum-first' | 'pno-first', pno: number, dataTime: string, cp: string, flag = 7) =>
    encodeFrame(`QN=${qn};ST=32;CN=2061;PW=123456;MN=${mn};Flag=${flag};${order === 'pnum-first' ? `PNUM=3;PNO=${pno}` : `PNO=${pno};PNUM=3`};CP=&&DataTime=${dataTime};${cp}&&`);

  it('PNO before PNUM, parts out of order and one repeated: each answered with its own QN, the set complete once, the hour whole', async () => {
    const connection = await station();
    const complete = await platform().metric('wanxiang_hj212_split_sets_total', { outcome: 'complete' });
    connection.send(part('20240601090000003', 'pno-first', 3, '20240601080000', 'w01018-Avg=40.1,w01018-Flag=N'));
    connection.send(part('20240601090000001', 'pnum-first', 1, '20240601080000', 'w01001-Avg=7.5,w01001-Flag=N'));
    connection.send(part('20240601090000001', 'pnum-first', 1, '20240601080000', 'w01001-Avg=7.5,w01001-Flag=N')); // sent again: its answer was late
    connection.send(part('20240601090000002', 'pno-first', 2, '20240601080000', 'w21003-Avg=0.5,w21003-Flag=N'));
    for (const qn of ['20240601090000003', '20240601090000001', '20240601090000001', '20240601090000002']) expect(await connection.nextReply()).toBe(reply(qn, mn, 4));
    expect(await platform().metric('wanxiang_hj212_split_sets_total', { outcome: 'complete' })).toBe(complete + 1);
    const [row] = await rowsWhen(`SELECT ph, cod_mgl, nh3n_mgl FROM water_quality_hj212 WHERE device = '${audit.water.id}' AND time = ${Date.parse('2024-06-01T08:00:00+08:00')}ms`, (rows) => rows.length > 0 && rows[0]!.nh3n_mgl != null && rows[0]!.cod_mgl != null && rows[0]!.ph != null);
    expect(row).toMatchObject({ ph: 7.5, cod_mgl: 40.1, nh3n_mgl: 0.5 });
  });

  it('a set whose part never comes is given up after the timeout (counted), the parts that came stored; Flag=6 parts get no answer', async () => {
    const connection = await station();
    const incomplete = await platform().metric('wanxiang_hj212_split_sets_total', { outcome: 'incomplete' });
    connection.send(part('20240601100000001', 'pnum-first', 1, '20240601090000', 'w01001-Avg=7.7,w01001-Flag=N', 6));
    connection.send(part('20240601100000002', 'pnum-first', 2, '20240601090000', 'w01018-Avg=41,w01018-Flag=N', 6));
    const expected = probe(connection);
    expect(await connection.nextReply()).toBe(expected);
    await expect.poll(() => platform().metric('wanxiang_hj212_split_sets_total', { outcome: 'incomplete' }), { timeout: 30_000 }).toBe(incomplete + 1);
    const [row] = await rowsWhen(`SELECT ph, cod_mgl FROM water_quality_hj212 WHERE device = '${audit.water.id}' AND time = ${Date.parse('2024-06-01T09:00:00+08:00')}ms`, firstRowHas({ ph: 7.7, cod_mgl: 41 }));
    expect(row).toMatchObject({ ph: 7.7, cod_mgl: 41 });
  });
});

describe('HJ 212 CRCs and frames in strict and compat mode (reference §2, §2.3)', () => {
  const segment = (qn: string, mn: string, cp = 'a34004-Rtd=21') => `QN=${qn};ST=22;CN=2011;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20240601084500;${cp}&&`;

  it('a compat station\'s CRC-16/ARC and MODBUS (byte-swapped or not) are taken and the variant recorded; a strict station\'s are refused', async () => {
    const connection = await station();
    const badCrc = await platform().metric('wanxiang_hj212_packets_total', { result: 'bad_crc' });
    connection.send(frameOf(segment('20240601084500001', audit.compat.mn), { crc: 'modbus-swapped' }));
    expect(await connection.nextReply()).toBe(reply('20240601084500001', audit.compat.mn, 4));
    const variant = async () => {
      const { devices } = (await (await fetch(`${platform().endpoints.httpUrl}/api/v1/devices?family=air`)).json()) as { devices: Array<{ id: string; hj212?: { crcVariant?: string } }> };
      return devices.find((device) => device.id === audit.compat.id)!.hj212!.crcVariant;
    };
    expect(await variant()).toBe('modbus-swapped');
    connection.send(frameOf(segment('20240601084500002', audit.compat.mn), { crc: 'arc' }));
    expect(await connection.nextReply()).toBe(reply('20240601084500002', audit.compat.mn, 4));
    expect(await variant()).toBe('arc');
    connection.send(Buffer.from(frameOf(segment('20240601084500006', audit.compat.mn), { crc: 'modbus-swapped' }).toString().replace(/([0-9A-F]{2})([0-9A-F]{2})\r\n$/, '$2$1\r\n')));
    expect(await connection.nextReply()).toBe(reply('20240601084500006', audit.compat.mn, 4));
    expect(await variant()).toBe('modbus');
    connection.send(frameOf(segment('20240601084500003', audit.compat.mn), { crc: 'lower' }));
    expect(await connection.nextReply()).toBe(reply('20240601084500003', audit.compat.mn, 4));
    expect(await variant()).toBe('hj212');
    connection.send(frameOf(segment('20240601084500004', audit.generic.mn), { crc: 'arc' }));
    connection.send(frameOf(segment('20240601084500005', audit.generic.mn), { crc: 'modbus-swapped' }));
    const expected = probe(connection);
    expect(await connection.nextReply()).toBe(expected);
    expect(await platform().metric('wanxiang_hj212_packets_total', { result: 'bad_crc' })).toBe(badCrc + 2);
  });

  it('a bare LF tail and a length counted in characters (Chinese text in CP) are taken from a compat station, refused from a strict one', async () => {
    const connection = await station();
    const strictFrame = await platform().metric('wanxiang_hj212_packets_total', { result: 'strict_frame' });
    const quirks = async () => Object.fromEntries(await Promise.all(['tail_lf', 'length_in_chars'].map(async (quirk) => [quirk, await platform().metric('wanxiang_hj212_frame_quirks_total', { quirk })])));
    const before = await quirks();
    const chinese = (qn: string, mn: string) => `QN=${qn};ST=22;CN=3020;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20240601085857;PolId=a34004;i11001-Info=//仪器开机//&&`;
    connection.send(frameOf(segment('20240601084600001', audit.compat.mn), { tail: '\n' }));
    expect(await connection.nextReply()).toBe(reply('20240601084600001', audit.compat.mn, 4));
    connection.send(frameOf(chinese('20240601084600002', audit.compat.mn), { length: 'chars' }));
    expect(await connection.nextReply()).toBe(reply('20240601084600002', audit.compat.mn, 4));
    // As a Java generator builds it (xiaoyao9184/hj-t212-parser): length and CRC both over characters.
    connection.send(frameOf(chinese('20240601084600006', audit.compat.mn), { length: 'chars', crc: 'java-chars' }));
    expect(await connection.nextReply()).toBe(reply('20240601084600006', audit.compat.mn, 4));
    const { devices } = (await (await fetch(`${platform().endpoints.httpUrl}/api/v1/devices?family=air`)).json()) as { devices: Array<{ id: string; hj212?: { crcVariant?: string } }> };
    expect(devices.find((device) => device.id === audit.compat.id)!.hj212!.crcVariant).toBe('hj212-utf16');
    // The same from a strict station: bytes and CR LF are answered, the rest refused.
    connection.send(frameOf(chinese('20240601084600003', audit.generic.mn), { length: 'bytes' }));
    expect(await connection.nextReply()).toBe(reply('20240601084600003', audit.generic.mn, 4));
    connection.send(frameOf(segment('20240601084600004', audit.generic.mn), { tail: '\n' }));
    connection.send(frameOf(chinese('20240601084600005', audit.generic.mn), { length: 'chars' }));
    const expected = probe(connection);
    expect(await connection.nextReply()).toBe(expected);
    expect(await platform().metric('wanxiang_hj212_packets_total', { result: 'strict_frame' })).toBe(strictFrame + 2);
    expect(await quirks()).toEqual({ tail_lf: before.tail_lf + 1, length_in_chars: before.length_in_chars + 2 });
  });

  it('frames without CR LF (a bare CR, none: the next `##` or a quiet station ends them) are taken from a compat station, refused from a strict one', async () => {
    const connection = await station();
    const strictFrame = await platform().metric('wanxiang_hj212_packets_total', { result: 'strict_frame' });
    connection.send(Buffer.concat([frameOf(segment('20240601084650001', audit.compat.mn), { tail: '' }), frameOf(segment('20240601084650002', audit.compat.mn), { tail: '\r' })]));
    expect(await connection.nextReply()).toBe(reply('20240601084650001', audit.compat.mn, 4));
    expect(await connection.nextReply()).toBe(reply('20240601084650002', audit.compat.mn, 4)); // the last one, once the station is quiet
    connection.send(frameOf(segment('20240601084650003', audit.compat.mn), { tail: '' }));
    expect(await connection.nextReply()).toBe(reply('20240601084650003', audit.compat.mn, 4));
    expect(await platform().metric('wanxiang_hj212_frame_quirks_total', { quirk: 'tail_none' })).toBe(2);
    expect(await platform().metric('wanxiang_hj212_frame_quirks_total', { quirk: 'tail_cr' })).toBe(1);
    connection.send(frameOf(segment('20240601084650004', audit.generic.mn), { tail: '' }));
    await expect.poll(() => platform().metric('wanxiang_hj212_packets_total', { result: 'strict_frame' }), { timeout: 30_000 }).toBe(strictFrame + 1);
    const expected = probe(connection);
    expect(await connection.nextReply()).toBe(expected);
  });

  it('a length field that lies (too long, too short) is skipped without holding back the frame after it', async () => {
    const connection = await station();
    const good = segment('20240601084700001', audit.generic.mn);
    const lying = (declared: number) => Buffer.from(frameOf(segment('20240601084700002', audit.generic.mn)).toString().replace(/^##\d{4}/, `##${String(declared).padStart(4, '0')}`));
    connection.send(Buffer.concat([lying(2_000), frameOf(good)]));
    expect(await connection.nextReply()).toBe(reply('20240601084700001', audit.generic.mn, 4));
    connection.send(Buffer.concat([lying(40), frameOf(good)]));
    expect(await connection.nextReply()).toBe(reply('20240601084700001', audit.generic.mn, 4));
    expect(await platform().metric('wanxiang_hj212_skipped_bytes_total', { reason: 'bad_tail' })).toBeGreaterThanOrEqual(4);
  });

  it('takes a segment above the standard\'s 1024 bytes (real loggers send ~1,700) and counts it', async () => {
    const connection = await station();
    const cp = Array.from({ length: 60 }, (_, i) => `a99${String(i).padStart(3, '0')}-Rtd=${i}.5,a99${String(i).padStart(3, '0')}-Flag=N`).join(';');
    const frame = frameOf(segment('20240601084750001', audit.generic.mn, `a34004-Rtd=22;${cp}`));
    expect(frame.length).toBeGreaterThan(1_036);
    connection.send(frame);
    expect(await connection.nextReply()).toBe(reply('20240601084750001', audit.generic.mn, 4));
    expect(await platform().metric('wanxiang_hj212_frame_quirks_total', { quirk: 'over_1024' })).toBe(1);
  });

  it('takes a frame cut into single bytes, and three frames with garbage between them in one chunk', async () => {
    const connection = await station();
    const frames = ['20240601084800001', '20240601084800002', '20240601084800003'].map((qn) => frameOf(segment(qn, audit.generic.mn)));
    for (const byte of frames[0]!) {
      connection.send(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await connection.nextReply()).toBe(reply('20240601084800001', audit.generic.mn, 4));
    connection.send(Buffer.concat([frames[1]!, Buffer.from('+++AT\r\n#\r\n##xx\r\n'), frames[2]!]));
    expect(await connection.nextReply()).toBe(reply('20240601084800002', audit.generic.mn, 4));
    expect(await connection.nextReply()).toBe(reply('20240601084800003', audit.generic.mn, 4));
  });
});

describe('HJ 212 CP syntax as devices send it (reference §2.1, §4)', () => {
  it('spaces around keys, `,` and `;` mixed, an exponent, an empty value, a repeated key (the last counts), an unknown suffix kept raw', async () => {
    const connection = await station();
    const qn = '20240601090500001';
    connection.send(encodeFrame(` QN = ${qn} ; ST=22 , CN = 2011;PW=123456; MN = ${audit.generic.mn} ;Flag= 5 ;CP=&& DataTime = 20240601090500 ; a34004-Rtd = 1.25E1 , a34004-Flag = N ; a34002-Rtd=,a34002-Flag=N;a21026-Rtd=3;a21026-Rtd=4;a21004-ValidNum=60 &&`));
    expect(await connection.nextReply()).toBe(reply(qn, audit.generic.mn, 4));
    const time = Date.parse('2024-06-01T09:05:00+08:00');
    const [row] = await rowsWhen(`SELECT * FROM air_quality WHERE device = '${audit.generic.id}' AND time = ${time}ms`, someRows);
    expect(row).toMatchObject({ pm25_ugm3: 12.5, pm25_ugm3_flag: 'N', pm10_ugm3_flag: 'N', so2_ugm3: 4 });
    expect(row!.pm10_ugm3 ?? null).toBeNull();
    const [unknown] = await rowsWhen(`SELECT items FROM hj212_unknown WHERE device = '${audit.generic.id}'`, (rows) => rows.some((candidate) => String(candidate.items).includes('ValidNum')));
    expect(unknown).toBeDefined();
  });

  it('an empty CP is answered and stores nothing', async () => {
    const connection = await station();
    connection.send(encodeFrame(`QN=20240601090600001;ST=22;CN=2011;PW=123456;MN=${audit.generic.mn};Flag=5;CP=&&&&`));
    expect(await connection.nextReply()).toBe(reply('20240601090600001', audit.generic.mn, 4));
  });
});
