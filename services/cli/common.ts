import { resolve } from 'node:path';
import { configFromEnv, type Config, type ConfigInput } from '../config.ts';
import { createLogger } from '../log.ts';
import { createDeviceRegistry, loadRegistryFile, type DeviceRegistry } from '../registry/device-registry.ts';
import { parseBeijingInstant } from '../standards/beijing-time.ts';
import { createTopics, type Topics } from '../topics.ts';

export interface CommandContext {
  readonly config: Config;
  readonly registry: DeviceRegistry;
  readonly topics: Topics;
  readonly log: ReturnType<typeof createLogger>;
}

/** Configuration, registry and topics as every command needs them. */
export async function commandContext(overrides: ConfigInput = {}): Promise<CommandContext> {
  const config = configFromEnv(process.env, overrides);
  return {
    config,
    registry: createDeviceRegistry(await loadRegistryFile(resolve(config.registryFile))),
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

/** Parses a date or date-time flag as Beijing time when it carries no zone (the one Beijing-time module). */
export const parseInstant = (text: string): number => parseBeijingInstant(text);

export const untilSignal = () =>
  new Promise<string>((resolveSignal) => {
    process.once('SIGINT', () => resolveSignal('SIGINT'));
    process.once('SIGTERM', () => resolveSignal('SIGTERM'));
  });
