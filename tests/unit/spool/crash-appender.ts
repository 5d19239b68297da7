/**
 * Run by crash.test.ts as a child process: appends from several concurrent callers
 * and prints `acked N` once the append of record N has resolved, until killed.
 * Usage: node --import tsx crash-appender.ts <dir> <run label>
 */
import { createSpool } from '../../../services/spool/index.ts';

const [dir, label] = process.argv.slice(2);
if (!dir || !label) throw new Error('usage: crash-appender.ts <dir> <run label>');
const spool = createSpool({ dir, segmentBytes: 32 * 1024, fsyncIntervalMs: 2 });
await spool.open();
let next = 0;

async function appender(): Promise<never> {
  for (;;) {
    const n = next++;
    await spool.append([`${label} ${n} ${'x'.repeat(150)}`]);
    process.stdout.write(`acked ${n}\n`);
  }
}

await Promise.all(Array.from({ length: 16 }, appender));
