// A process that takes a data folder's lock for each `go FOLDER` line on stdin, says whether it
// got it, and holds what it got until its stdin closes (tests/cli/data-folder-lock-race.test.ts).
import { createInterface } from 'node:readline';
import { lockDataFolder } from '../../services/data-folder/folder-lock.ts';

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
lines.on('line', (line) => {
  lockDataFolder(line.slice('go '.length), 'race').then(
    () => process.stdout.write('got\n'),
    (error: { code?: string }) => process.stdout.write(`refused ${error.code}\n`),
  );
});
lines.once('close', () => process.exit(0));
