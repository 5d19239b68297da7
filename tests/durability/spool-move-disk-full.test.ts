import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSpool } from '../../services/spool/index.ts';
import { scanFrame } from '../../services/spool/frame.ts';
import { makeRecords, readAll, segmentFiles } from '../unit/spool/helpers.ts';
import { fill, smallDisk, unmount } from './small-disk.ts';

const work = await mkdtemp(join(tmpdir(), 'wanxiang-spool-move-'));
const disk = join(work, 'disk');
await mkdir(disk);
const notMounted = await smallDisk(disk);

// Recovery keeps the intact records after a damaged one by moving them to a new segment before it
// cuts the damage (red team): on a full disk the move cannot be written, and then nothing is cut.
describe.skipIf(notMounted !== undefined)(`spool recovery on a full disk${notMounted ? ` — skipped: cannot mount a tmpfs (${notMounted})` : ''}`, () => {
  afterAll(async () => {
    if (notMounted === undefined) await unmount(disk);
    await rm(work, { recursive: true, force: true });
  });

  it('refuses to open with WX_ERR_DISK_FULL, cuts nothing, and moves the records once there is room', async () => {
    const dir = join(disk, 'spool');
    const records = makeRecords(60);
    const spool = createSpool({ dir, segmentBytes: 1_000_000 });
    await spool.open();
    for (let at = 0; at < records.length; at += 5) await spool.append(records.slice(at, at + 5));
    await spool.close();
    const [name] = await segmentFiles(dir);
    const victim = join(dir, name!);
    const buffer = await readFile(victim);
    let at = 0;
    for (let n = 0; n < 10; n += 1) at = (scanFrame(buffer, at) as { end: number }).end;
    buffer[at + 20] = buffer[at + 20]! ^ 0x5a; // the 11th record's payload
    await writeFile(victim, buffer);
    const size = (await stat(victim)).size;

    const filler = join(disk, 'filler');
    await fill(filler);
    await expect(createSpool({ dir }).open()).rejects.toMatchObject({ code: 'WX_ERR_DISK_FULL' });
    expect((await stat(victim)).size).toBe(size);
    expect(await segmentFiles(dir)).toEqual([name]);

    await rm(filler);
    const again = createSpool({ dir });
    expect(await again.open()).toMatchObject({ corruptRecords: 1, movedRecords: 49, records: 59 });
    expect(await readAll(again)).toEqual([...records.slice(0, 10), ...records.slice(11)]);
    await again.close();
  });
});
