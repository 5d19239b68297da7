import { access, open } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { configFromEnv, type Config, type ConfigInput } from '../config.ts';
import { WanxiangError } from '../errors.ts';
import { familyIds, type FamilyId } from '../families/index.ts';
import { useInstallation } from '../installation.ts';
import { createLogger } from '../log.ts';
import { createDeviceRegistry, loadRegistryFile, type DeviceRegistry } from '../registry/device-registry.ts';
import { tryParseBeijingInstant } from '../standards/beijing-time.ts';
import { createTopics, type Topics } from '../topics.ts';
import { step } from './failure.ts';
import { option } from './options.ts';

export interface CommandContext {
  readonly config: Config;
  readonly registry: DeviceRegistry;
  readonly topics: Topics;
  readonly log: ReturnType<typeof createLogger>;
}

/** Configuration, registry and topics as every command needs them. */
export async function commandContext(overrides: ConfigInput = {}): Promise<CommandContext> {
  const config = await useInstallation(configFromEnv(process.env, overrides));
  const registryFile = resolve(config.registryFile);
  return {
    config,
    registry: createDeviceRegistry(await step(`cannot read the registry ${registryFile}`, () => loadRegistryFile(registryFile))),
    topics: createTopics(config.mqtt.topicPrefix),
    log: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
  };
}

/** A progress line on stderr, at most every `everyMs`, so long runs show they are alive. */
export function progressPrinter(label: string, everyMs = 2_000) {
  let last = 0;
  const started = Date.now();
  return (done: number, total?: number) => {
    const now = Date.now();
    if (now - last < everyMs && done !== total) return;
    last = now;
    const share = total ? ` / ${total} (${((done / total) * 100).toFixed(1)} %)` : '';
    process.stderr.write(`[${label}] ${done}${share} after ${((now - started) / 1_000).toFixed(0)} s\n`);
  };
}

/** A date or date-time as epoch ms, Beijing time when it carries no zone; undefined if it is no such thing. */
export const tryParseInstant = (text: string): number | undefined => tryParseBeijingInstant(text);

/** Parses a date or date-time flag as Beijing time when it carries no zone (the one Beijing-time module). */
export function parseInstant(text: string): number {
  const ms = tryParseBeijingInstant(text);
  if (ms === undefined) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `not a date: ${text}`, { value: text });
  return ms;
}

/** Options several commands share, declared once. */
export const shared = {
  date: (describe: string) => option.custom('DATE', describe, 'a date like 2025-01-01 or 2025-01-01T08:00 (Beijing time unless a zone is given)', tryParseInstant),
  broker: () => option.url('URL', 'broker', ['mqtt:', 'mqtts:', 'ws:', 'wss:']).default('mqtt://127.0.0.1:1883'),
  devices: () => option.integer('N', 'first N devices of the registry (default all)', { min: 1, max: 1_000_000 }),
  family: () => option.choice<FamilyId>('F', 'only this family', familyIds).many(),
  seed: (fallback: number) => option.integer('N', 'seed: the same seed gives the same readings', { min: 0, max: 2 ** 32 - 1 }).default(fallback),
  duration: () => option.number('S', 'stop after S seconds (default: until Ctrl-C)', { above: 0, max: 365 * 86_400 }),
  dataDir: () => option.string('DIR', 'the data folder: its registry, fleet key, spool and runtime.json (default WX_DATA_DIR, else data/)'),
};

/** Refuses before any work when the file to write cannot be created (its folder is missing or read-only). */
export async function assertWritableTarget(path: string, what: string): Promise<void> {
  const folder = dirname(resolve(path));
  try {
    await access(folder, constants.W_OK);
  } catch (error) {
    throw new WanxiangError('WX_ERR_FILE', `cannot write ${what} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? `the folder ${folder} does not exist` : `the folder ${folder} is not writable`}`, { cause: error });
  }
}

/** Refuses a recording that cannot be read or is not gzip (a CSV, a text file) before connecting. */
export async function assertRecording(path: string): Promise<void> {
  const handle = await step(`cannot read the recording ${path}`, () => open(path, 'r'));
  try {
    const { buffer, bytesRead } = await step(`cannot read the recording ${path}`, () => handle.read(Buffer.alloc(2), 0, 2, 0));
    // RFC 1952 §2.3.1: a gzip member starts with ID1 = 0x1f, ID2 = 0x8b.
    if (bytesRead < 2 || buffer[0] !== 0x1f || buffer[1] !== 0x8b) {
      throw new WanxiangError('WX_ERR_FILE', `${path} is not a recording: recordings are gzip-compressed NDJSON (.ndjson.gz, written by 'wanxiang record')`);
    }
  } finally {
    await handle.close();
  }
}

export const untilSignal = () =>
  new Promise<string>((resolveSignal) => {
    process.once('SIGINT', () => resolveSignal('SIGINT'));
    process.once('SIGTERM', () => resolveSignal('SIGTERM'));
  });

/** Waits `seconds`, or until Ctrl-C when none is given. */
export const runFor = (seconds: number | undefined) => (seconds === undefined ? untilSignal() : new Promise((resolveWait) => setTimeout(resolveWait, seconds * 1_000)));
