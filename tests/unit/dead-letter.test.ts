import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDeadLetterFile, describePayload } from '../../services/ingest/dead-letter.ts';

describe('the dead-letter file', () => {
  it('rotates by size and keeps at most maxFiles files, the newest records in the live file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-dl-'));
    const file = createDeadLetterFile({ dir, maxFileBytes: 400, maxFiles: 3 });
    for (let i = 0; i < 40; i += 1) file.append({ at: new Date(0).toISOString(), code: 'WX_ERR_MALFORMED_JSON', message: `record ${i}`, device: 'air-x' });
    await file.close();
    expect((await readdir(dir)).sort()).toEqual(['dead-letter.1.ndjson', 'dead-letter.2.ndjson', 'dead-letter.ndjson']);
    const live = (await readFile(file.path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(live.at(-1).message).toBe('record 39');
    for (const name of await readdir(dir)) expect((await readFile(join(dir, name))).length).toBeLessThanOrEqual(400);
    await rm(dir, { recursive: true, force: true });
  });

  it('writes nothing once closed: a refusal decided while the platform stops is counted as a record lost, never written into the released folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-dl-'));
    const errors: string[] = [];
    const file = createDeadLetterFile({ dir, maxFileBytes: 4_000, maxFiles: 3, onError: (error) => errors.push(error.message) });
    file.append({ at: new Date(0).toISOString(), code: 'WX_ERR_MALFORMED_JSON', message: 'before close', device: 'air-x' });
    await file.close();
    const written = await readFile(file.path, 'utf8');
    file.append({ at: new Date(0).toISOString(), code: 'WX_ERR_MALFORMED_JSON', message: 'after close', device: 'air-x' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readFile(file.path, 'utf8')).toBe(written);
    expect(errors).toEqual([expect.stringContaining('is closed')]);
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps text payloads as UTF-8, binary ones as base64, and cuts large ones', () => {
    expect(describePayload(Buffer.from('{"pm25":'), 100)).toEqual({ payload: '{"pm25":', payloadEncoding: 'utf8', payloadBytes: 8, truncated: false });
    expect(describePayload(Buffer.from([0xff, 0xfe]), 100)).toMatchObject({ payload: '//4=', payloadEncoding: 'base64' });
    expect(describePayload(Buffer.from('x'.repeat(50)), 10)).toMatchObject({ payload: 'x'.repeat(10), truncated: true, payloadBytes: 50 });
  });
});
