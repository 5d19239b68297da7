import { access } from 'node:fs/promises';
import { recordingKind } from '../../simulators/recording.ts';
import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { configFromEnv } from '../config-env.ts';
import { type Config, type ConfigInput } from '../config.ts';
import { WanxiangError } from '../errors.ts';
import { familyIds, type FamilyId } from '../families/index.ts';
import { useInstallation } from '../installation.ts';
import { createLogger } from '../log.ts';
import { createDeviceRegistry, loadRegistryFile, type DeviceRegistry } from '../registry/device-registry.ts';
import { tryParseBeijingInstant } from '../standards/beijing-time.ts';
import { createTopics, type Topics } from '../topics.ts';
import { dataFolderLine } from './data-folder-notice.ts';
import { step } from './failure.ts';
import { option } from './options.ts';

export interface CommandContext {
  readonly config: Config;
  readonly registry: DeviceRegistry;
  readonly topics: Topics;
  readonly log: ReturnType<typeof createLogger>;
}

/** Configuration, registry and topics as every command needs them; `command` says on stderr which data folder it used (issue 19, item 6). */
export async function commandContext(overrides: ConfigInput = {}, command?: string): Promise<CommandContext> {
  const config = await useInstallation(configFromEnv(process.env, overrides));
  if (command) process.stderr.write(dataFolderLine(command, config));
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
  dataDir: () => option.string('DIR', 'the data folder: its registry, fleet key, spool, runtime.json and the local influxd (default WX_DATA_DIR, else data/)'),
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

/** Refuses a recording that cannot be read or is neither gzip nor plain NDJSON with its header (a CSV, a text file) before connecting. */
export async function assertRecording(path: string): Promise<void> {
  const kind = await step(`cannot read the recording ${path}`, () => recordingKind(path));
  if (!kind) {
    throw new WanxiangError('WX_ERR_FILE', `${path} is not a recording: recordings are NDJSON, gzip-compressed (.ndjson.gz, written by 'wanxiang record') or plain (.ndjson), starting with the recording header`);
  }
}

/** The first SIGINT or SIGTERM; a second one, while the command winds down, ends the process at once (exit 130). */
export const untilSignal = () =>
  new Promise<string>((resolveSignal) => {
    const first = (signal: NodeJS.Signals) => {
      process.removeListener('SIGINT', first);
      process.removeListener('SIGTERM', first);
      const again = () => process.exit(130);
      process.once('SIGINT', again);
      process.once('SIGTERM', again);
      resolveSignal(signal);
    };
    process.on('SIGINT', first);
    process.on('SIGTERM', first);
  });

/** Waits `seconds`, or until Ctrl-C when none is given. */
export const runFor = (seconds: number | undefined) => (seconds === undefined ? untilSignal() : new Promise((resolveWait) => setTimeout(resolveWait, seconds * 1_000)));
