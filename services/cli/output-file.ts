import { lstat, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, parse, relative, resolve, isAbsolute } from 'node:path';
import type { Config } from '../config.ts';
import { writeOutputFile } from '../durable-file.ts';
import { WanxiangError } from '../errors.ts';

/**
 * Where a command's output (`record --out`) may go. Red team 6: `record --out DATA_DIR/users.json`
 * replaced the running platform's users file with a recording, and every named person was locked
 * out. So an existing file is replaced only with --force, and a data folder (the one configured, or
 * any folder a platform uses, told by its lock, runtime.json or fleet key) is never written to.
 */
export async function assertOutputTarget(path: string, what: string, options: { force: boolean; config: Config }): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing && !options.force) throw outputExists(path, what);
  const target = await realTarget(path);
  const folder = await dataFolderHolding(target, options.config);
  if (folder) {
    throw new WanxiangError('WX_ERR_OUTPUT_IN_DATA_DIR', `cannot write ${what} ${path}: it lies in the data folder ${folder}, whose files belong to the platform; write it elsewhere (--out)`, { value: path });
  }
  const own = platformFiles(options.config).find((file) => file === target);
  if (own) throw new WanxiangError('WX_ERR_OUTPUT_IN_DATA_DIR', `cannot write ${what} ${path}: it is the platform's file ${own}; write it elsewhere (--out)`, { value: path });
}

const outputExists = (path: string, what: string) =>
  new WanxiangError('WX_ERR_FILE', `cannot write ${what} ${path}: the file exists; give --force to replace it, or another --out`, { value: path });

/**
 * Writes a command's output file once assertOutputTarget has allowed it. That check answers plainly
 * but cannot hold: a file or a symbolic link may appear at the name before the write. So the write
 * itself refuses a name that exists (the same answer as the check), and --force replaces the name,
 * never the file a link there points at (writeOutputFile).
 */
export async function writeOutputTarget(path: string, content: string | Uint8Array, what: string, options: { force: boolean }): Promise<void> {
  try {
    await writeOutputFile(path, content, { replace: options.force, mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw outputExists(path, what);
    throw error;
  }
}

/** Files a data folder has that no other folder is expected to (folder-lock.ts, runtime-file.ts, installation.ts). */
const dataFolderMarks = ['wanxiang.lock', 'runtime.json', 'fleet-key'];

/** The data folder `target` lies in: the configured one, or a folder above it marked as one. */
async function dataFolderHolding(target: string, config: Config): Promise<string | undefined> {
  const configured = await realpath(config.dataDir).catch(() => resolve(config.dataDir));
  if (inside(target, configured)) return configured;
  for (let folder = dirname(target); ; folder = dirname(folder)) {
    for (const mark of dataFolderMarks) if (await lstat(join(folder, mark)).then(() => true, () => false)) return folder;
    if (folder === parse(folder).root) return undefined;
  }
}

const inside = (path: string, folder: string) => {
  const rest = relative(folder, path);
  return rest !== '' && !rest.startsWith('..') && !isAbsolute(rest);
};

/** The platform's files that may be kept outside its data folder. */
const platformFiles = (config: Config) => [config.http.usersFile, config.registryFile].filter((file): file is string => file !== undefined).map((file) => resolve(file));

/** Links followed at most, as the kernel's own limit (ELOOP) for a path. */
const maxLinks = 40;

/**
 * The file that writing `path` would change: symbolic links followed, a chain of links to nowhere
 * to its very end (red team 8: `hop1 → hop2 → DATA_DIR/users.json`, users.json not yet made, was
 * judged by hop2 and written through to the data folder).
 */
async function realTarget(path: string): Promise<string> {
  let named = resolve(path);
  for (let hops = 0; ; hops += 1) {
    const whole = await realpath(named).catch(() => undefined);
    if (whole) return whole;
    const link = await readlink(named).catch(() => undefined);
    if (link === undefined) break;
    if (hops >= maxLinks) throw new WanxiangError('WX_ERR_FILE', `cannot write ${path}: more than ${maxLinks} symbolic links in a row`, { value: path });
    named = resolve(dirname(named), link);
  }
  const folder = await realpath(dirname(named)).catch(() => dirname(named));
  return join(folder, basename(named));
}
