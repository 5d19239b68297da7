import { resolve } from 'node:path';
import { z } from 'zod';
import { configFromEnv } from '../config.ts';
import { isWanxiangError } from '../errors.ts';
import { useInstallation } from '../installation.ts';
import { families, familyIds, type FamilyId } from '../families/index.ts';
import { addDevice, rotateSecret, setDisabled } from '../registry/device-admin.ts';
import { loadRegistryFile } from '../registry/device-registry.ts';
import { saveRegistryFile } from '../registry/registry-file.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { step } from './failure.ts';
import { helpText, option, parseCommand, UsageError } from './options.ts';
import { exportMosquittoCommand } from './export-mosquitto.ts';
import { checkMosquittoListener } from '../registry/mosquitto-export.ts';

const actions = ['list', 'add', 'rotate', 'disable', 'enable', 'export'] as const;
type Action = (typeof actions)[number];

interface JsonProperty { type?: string; enum?: unknown[]; pattern?: string; exclusiveMinimum?: number; maximum?: number }

/** Each family's required attributes, from the family's own schema, so help and validation agree. */
function attributeHelp(): string {
  return familyIds
    .map((family) => {
      const schema = z.toJSONSchema(families[family].attributes) as { properties?: Record<string, JsonProperty>; required?: string[] };
      const fields = Object.entries(schema.properties ?? {}).map(([name, p]) => {
        const kind = p.enum ? p.enum.join('|') : p.pattern ? `${p.type} ${p.pattern}` : p.type === 'number' || p.type === 'integer' ? `${p.type}${p.exclusiveMinimum !== undefined ? ` > ${p.exclusiveMinimum}` : ''}${p.maximum !== undefined ? ` ≤ ${p.maximum}` : ''}` : p.type;
        return `${name} (${kind})`;
      });
      return `  ${family.padEnd(8)} ${fields.join(', ')}`;
    })
    .join('\n');
}

const jsonObject = option.custom<Record<string, unknown>>('JSON', "the family's attributes, a JSON object (see below)", 'a JSON object such as \'{"stationKind":"district"}\'', (text) => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // not JSON: the parser says what --attributes takes
  }
});

const spec = {
  name: 'devices',
  summary: 'administer the device registry (a running platform takes changes at once)',
  positionals: [{ name: 'ACTION', describe: `one of ${actions.join(', ')}`, required: true }],
  description: `  wanxiang devices list
  wanxiang devices add --id ID --family F --site S --site-name NAME --street ST --lat N --lon N --attributes JSON
  wanxiang devices rotate --id ID        a new secret; the old one stops working, the device is disconnected
  wanxiang devices disable --id ID       refused at login and disconnected at once
  wanxiang devices enable --id ID
  wanxiang devices export --mosquitto DIR [--port N]
                                         mosquitto passwd, acl and mosquitto.conf for these devices

add and rotate print the new secret once; the registry keeps only its scrypt hash.`,
  options: {
    id: option.string('ID', 'the device id'),
    family: option.choice<FamilyId>('F', 'its family (add)', familyIds),
    site: option.string('S', 'site id (add)'),
    'site-name': option.string('NAME', 'site name (add)'),
    street: option.string('ST', 'street (add)'),
    lat: option.number('N', 'latitude (add)', { min: -90, max: 90 }),
    lon: option.number('N', 'longitude (add)', { min: -180, max: 180 }),
    attributes: jsonObject,
    mosquitto: option.string('DIR', 'export: the folder for passwd, acl and mosquitto.conf'),
    port: option.integer('N', 'export: the port mosquitto.conf listens on for devices (default 1883)', { min: 1, max: 65_535 }),
    'ingest-port': option.integer('N', 'export: the port of the ingest workers and observers, where devices cannot log in (default --port + 1)', { min: 1, max: 65_535 }),
    bind: option.string('ADDR', 'export: the address mosquitto listens on (default 127.0.0.1; beyond loopback only with --tls-cert and --tls-key)'),
    'tls-cert': option.string('FILE', 'export: the listeners\' TLS certificate (PEM)'),
    'tls-key': option.string('FILE', 'export: its private key (PEM)'),
    'tls-ca': option.string('FILE', 'export: a CA for client certificates (optional)'),
    registry: option.string('FILE', "the registry (default the installation's data/devices.json once started, else seeds/devices.json; WX_REGISTRY_FILE)"),
  },
  footer: `Attributes each family requires (--attributes, all of them, nothing else):\n${attributeHelp()}`,
};

export const devicesHelp = helpText(spec);

export async function devicesCommand(argv: string[]): Promise<void> {
  const { options, positionals } = parseCommand(spec, argv);
  const action = actions.find((candidate) => candidate === positionals[0]);
  if (!action) throw new UsageError(`ACTION takes one of ${actions.join(', ')}, not ${JSON.stringify(positionals[0])}`, devicesHelp);
  const need = <K extends keyof typeof options>(name: K): NonNullable<(typeof options)[K]> => {
    const value = options[name];
    if (value === undefined) throw new UsageError(`devices ${action} needs --${String(name)}: ${spec.options[name].accepts}`, devicesHelp);
    return value as NonNullable<(typeof options)[K]>;
  };
  const installation = await useInstallation(configFromEnv());
  const path = resolve(options.registry ?? installation.registryFile);
  const draft = action === 'add' ? addDraft(need) : undefined;
  const id = action === 'list' || action === 'export' ? undefined : need('id');
  const file = await step(`cannot read the registry ${path}`, () => loadRegistryFile(path));
  // The broker's password file holds the secrets the installation's fleet key derives.
  if (action === 'export') return exportMosquittoCommand(file, { dir: need('mosquitto'), port: options.port, fleetKey: installation.fleetKey, ...exportListener(options) });
  const save = (next: Parameters<typeof saveRegistryFile>[1]) => step(`cannot write the registry ${path}`, () => saveRegistryFile(path, next));
  await run(action, { file, id: id!, draft, save });
}

/** Where the exported mosquitto listens, refused beyond loopback without TLS (issue 18, item 18). */
function exportListener(options: { bind?: string; 'tls-cert'?: string; 'tls-key'?: string; 'tls-ca'?: string; 'ingest-port'?: number }) {
  if (Boolean(options['tls-cert']) !== Boolean(options['tls-key'])) throw new UsageError('--tls-cert and --tls-key go together', devicesHelp);
  const tls = options['tls-cert'] && options['tls-key'] ? { certFile: options['tls-cert'], keyFile: options['tls-key'], ...(options['tls-ca'] ? { caFile: options['tls-ca'] } : {}) } : undefined;
  const refused = checkMosquittoListener(options.bind ?? '127.0.0.1', tls);
  if (refused) throw new UsageError(`--bind: ${refused}`, devicesHelp);
  return { ...(options.bind ? { bindAddress: options.bind } : {}), ...(tls ? { tls } : {}), ...(options['ingest-port'] ? { ingestPort: options['ingest-port'] } : {}) };
}

function addDraft(need: <K extends 'id' | 'family' | 'site' | 'site-name' | 'street' | 'lat' | 'lon' | 'attributes'>(name: K) => unknown): Omit<DeviceRecord, 'secretHash'> {
  return {
    id: need('id'), family: need('family'), site: need('site'), siteName: need('site-name'), street: need('street'),
    lat: need('lat'), lon: need('lon'), attributes: need('attributes'),
  } as Omit<DeviceRecord, 'secretHash'>;
}

type RegistryFile = Awaited<ReturnType<typeof loadRegistryFile>>;

async function run(action: Action, { file, id, draft, save }: { file: RegistryFile; id: string; draft?: Omit<DeviceRecord, 'secretHash'>; save: (next: RegistryFile) => Promise<void> }): Promise<void> {
  try {
    switch (action) {
      case 'list':
        for (const device of file.devices) process.stdout.write(`${device.id}\t${device.family}\t${device.site}\t${device.street}${device.disabled ? '\tdisabled' : ''}\n`);
        return;
      case 'add': {
        const result = await addDevice(file, draft!);
        await save(result.file);
        process.stdout.write(`added ${draft!.id}; its secret (shown once): ${result.secret}\n`);
        return;
      }
      case 'rotate': {
        const result = await rotateSecret(file, id);
        await save(result.file);
        process.stdout.write(`rotated ${id}; its new secret (shown once): ${result.secret}\n`);
        return;
      }
      case 'disable':
      case 'enable':
        await save(setDisabled(file, id, action === 'disable'));
        process.stdout.write(`${action}d ${id}\n`);
        return;
      case 'export':
        return; // answered before the registry is saved
    }
  } catch (error) {
    // The draft or id failed the registry's own validation: that is the user's argument, said as such.
    if (isWanxiangError(error) && ['WX_ERR_SEED_INVALID', 'WX_ERR_INVALID_ARGUMENT', 'WX_ERR_UNKNOWN_DEVICE'].includes(error.code)) {
      throw new UsageError(`${action}: ${error.message.split('\n')[0]}`, devicesHelp);
    }
    throw error;
  }
}
