import { readFile } from 'node:fs/promises';
import { step } from './failure.ts';

/**
 * A secret from a file, or from stdin for `-` (issue 18, item 20): never from argv, which every
 * user of the host reads in `ps` and the shell keeps in its history. One line, trailing newline
 * dropped, as `mosquitto_passwd` and `docker login --password-stdin` take theirs.
 */
export async function readSecret(source: string, what: string): Promise<string> {
  const text = source === '-'
    ? await step(`cannot read ${what} from stdin`, () => readStdin())
    : await step(`cannot read ${what} from ${source}`, () => readFile(source, 'utf8'));
  return text.replace(/\r?\n$/, '');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
