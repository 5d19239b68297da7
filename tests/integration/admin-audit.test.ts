import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const tokens = {
  chen: 'admin-chen-jing-0123456789abcdef',
  zhang: 'operator-zhang-wei-audit-0123456789',
  anonymousAdmin: 'admin-anonymous-audit-0123456789',
};

interface AuditLine { level: number; audit?: string; person?: string; role?: string; device?: string; recording?: string; from?: string; until?: string; msg: string }

/**
 * Every action records who did it (issue 23, item 1), administrative ones too: device disable,
 * enable and rotate, a replay, the backfill window. The platform keeps no audit store, so each is
 * one info line of its log naming the person and their role, as the event routes resolve them.
 */
describe('administrative actions name the person who made them', () => {
  const logLines: string[] = [];
  let test: TestPlatform;
  const post = async (path: string, token: string, body?: unknown, method = 'POST') => {
    const response = await fetch(`${test.endpoints.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() as Record<string, unknown> };
  };

  beforeAll(async () => {
    test = await startTestPlatform({
      http: { tokens: [{ role: 'admin', name: 'chen.jing', token: tokens.chen }, { role: 'operator', name: 'zhang.wei', token: tokens.zhang }, { role: 'admin', token: tokens.anonymousAdmin }] },
    }, { logLines });
  }, 60_000);
  afterAll(async () => {
    await test?.close();
  });

  it('logs device administration, a replay and the backfill window with the person’s name and role, never a secret', async () => {
    expect((await post('/api/v1/devices/air-sungang/disable', tokens.chen)).status).toBe(200);
    expect((await post('/api/v1/devices/air-sungang/enable', tokens.chen)).status).toBe(200);
    const rotated = await post('/api/v1/devices/air-sungang/rotate', tokens.chen);
    expect(rotated.status).toBe(200);
    // Real time: the replay has barely begun when the platform closes, and stops with it.
    expect((await post('/api/v1/replay', tokens.zhang, { recording: 'district-day', speed: 1, timestamps: 'now' })).status).toBe(202);
    expect((await post('/api/v1/admin/backfill-window', tokens.anonymousAdmin, { from: Date.now() - 3_600_000, minutes: 5 })).status).toBe(200);
    expect((await post('/api/v1/admin/backfill-window', tokens.chen, undefined, 'DELETE')).status).toBe(200);
    // Refused actions made nothing to record.
    expect((await post('/api/v1/devices/air-sungang/disable', tokens.zhang)).status).toBe(403);

    const audits = logLines.map((line) => JSON.parse(line) as AuditLine).filter((line) => line.audit !== undefined);
    expect(audits.map((line) => [line.audit, line.person, line.role, line.device ?? line.recording ?? null])).toEqual([
      ['device-disable', 'chen.jing', 'admin', 'air-sungang'],
      ['device-enable', 'chen.jing', 'admin', 'air-sungang'],
      ['device-rotate', 'chen.jing', 'admin', 'air-sungang'],
      ['replay', 'zhang.wei', 'operator', 'district-day'],
      // A token without a name is recorded as its role, as on events.
      ['backfill-window-open', 'admin', 'admin', null],
      ['backfill-window-close', 'chen.jing', 'admin', null],
    ]);
    expect(audits.every((line) => line.level === 30)).toBe(true);
    expect(audits[4]).toMatchObject({ from: expect.any(String), until: expect.any(String) });
    expect(audits[0]!.msg).toBe('device-disable by chen.jing (admin)');
    expect(logLines.join('\n')).not.toContain(String(rotated.body.secret));
  });
});
