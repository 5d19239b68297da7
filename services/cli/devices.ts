import { resolve } from 'node:path';
import { z } from 'zod';
import { configFromEnv } from '../config-env.ts';
import { isWanxiangError } from '../errors.ts';
import { prepareInstallation, useInstallation } from '../installation.ts';
import { shared } from './common.ts';
import { assertNotSeeds, dataFolderLine } from './data-folder-notice.ts';
import { families, familyIds, type FamilyId } from '../families/index.ts';
import { addDevice, rotateSecret, setDisabled } from '../registry/device-admin.ts';
import { loadRegistryFile } from '../registry/device-registry.ts';
import { saveRegistryFile } from '../registry/registry-file.ts';
import { withFileLock } from '../file-lock.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { step } from './failure.ts';
import { helpText, option, parseCommand, UsageError } from './options.ts';
import { exportMosquittoCommand } from './export-mosquitto.ts';
import { checkMosquittoListener } from '../registry/mosquitto-export.ts';
import { hashSecret } from '../registry/secrets.ts';
import { stationPwOf } from './station-pw.ts';

const actions = ['list', 'add', 'rotate', 'disable', 'enable', 'export'] as const;
type Action = (typeof actions)[number];

interface JsonProperty { type?: string; enum?: unknown[]; const?: unknown; pattern?: string; exclusiveMinimum?: number; maximum?: number; default?: unknown }
interface JsonObject { properties?: Record<string, JsonProperty>; oneOf?: JsonObject[]; anyOf?: JsonObject[] }

function describeProperties(schema: JsonObject): string {
  return Object.entries(schema.properties ?? {}).map(([name, p]) => {
    if (p.const !== undefined) return `${name}=${String(p.const)}`;
    const kind = p.enum ? p.enum.join('|') : p.pattern ? `${p.type} ${p.pattern}` : p.type === 'number' || p.type === 'integer' ? `${p.type}${p.exclusiveMinimum !== undefined ? ` > ${p.exclusiveMinimum}` : ''}${p.maximum !== undefined ? ` ≤ ${p.maximum}` : ''}` : p.type;
    return `${name} (${kind}${p.default !== undefined ? `, default ${String(p.default)}` : ''})`;
  }).join(', ');
}

/**
 * Each family's attributes, from the family's own schema, so help and validation agree. A family
 * whose attributes come in kinds (depth or rain gauges) gets a line a kind: its
 * help once printed nothing, the union having no properties of its own.
 */
function attributeHelp(): string {
  return familyIds
    .flatMap((family) => {
      const schema = z.toJSONSchema(families[family].attributes) as JsonObject;
      const kinds = schema.oneOf ?? schema.anyOf ?? [schema];
      return kinds.map((kind, index) => `  ${(index === 0 ? family : '').padEnd(12)} ${describeProperties(kind)}`);
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
        [--report-interval MS] [--hj212-mn MN --hj212-pw-file FILE|- [--hj212-crc compat] [--hj212-codes JSON] [--hj212-units JSON]]
                                         a station speaking HJ 212 over TCP (docs/devices.md); its PW
                                         read from FILE or stdin (-), at least 6 characters
  wanxiang devices rotate --id ID [--hj212-pw-file FILE|-]
                                         a new secret, and for an HJ 212 station a new PW (given, or
                                         made and shown once); the old ones stop working, the device
                                         is disconnected
  wanxiang devices disable --id ID       refused at login and disconnected at once
  wanxiang devices enable --id ID
  wanxiang devices export --mosquitto DIR [--port N]
                                         mosquitto passwd, acl and mosquitto.conf for these devices

add and rotate print the new secret once, a random 256-bit token; the registry keeps only its
SHA-256 hash (an observer's password, which a person may choose, keeps scrypt).`,
  exitCodes: `Exit codes: 0 done; 1 an operational failure (file, write), with its WX_ERR_* code on stderr; 2 a bad
or missing argument, named on stderr above this usage; 3 a state conflict: add of an id the registry
holds (WX_ERR_DEVICE_EXISTS; rotate gives it a new secret).`,
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
    'ingest-port': option.integer('N', 'export: the port of the ingest workers alone, where devices and observers cannot log in (default --port + 1)', { min: 1, max: 65_535 }),
    bind: option.string('ADDR', 'export: the address mosquitto listens on (default 127.0.0.1; beyond loopback only with --tls-cert and --tls-key)'),
    'tls-cert': option.string('FILE', 'export: the listeners\' TLS certificate (PEM)'),
    'tls-key': option.string('FILE', 'export: its private key (PEM)'),
    'tls-ca': option.string('FILE', 'export: a CA for client certificates (optional)'),
    registry: option.string('FILE', "the registry (default the data folder's devices.json, made from the seeds at the first change or start; WX_REGISTRY_FILE)"),
    'data-dir': shared.dataDir(),
    'hj212-mn': option.string('MN', 'add: the HJ 212 station\'s MN (its packets are taken on the HJ 212 port)'),
    'hj212-pw': option.string('PW', 'add, rotate: its HJ 212 PW, at least 6 characters (stored as a scrypt hash); in argv every user of the host reads it (ps): prefer --hj212-pw-file'),
    'hj212-pw-file': option.string('FILE', 'add, rotate: read its HJ 212 PW from FILE, or from stdin with - (one line)'),
    'hj212-crc': option.choice<'strict' | 'compat'>('MODE', 'add: strict (HJ 212 Appendix A CRC only, the default) or compat (also CRC-16/ARC, CRC-16/MODBUS byte-swapped or not, tails other than CR LF)', ['strict', 'compat']),
    'hj212-codes': option.custom<Record<string, unknown>>('JSON', 'add: vendor code → HJ 212 code or field, e.g. \'{"PM25":"a34004"}\'', 'a JSON object of names', parseJsonObject),
    'hj212-units': option.custom<Record<string, unknown>>('JSON', 'add: field or code → factor into the family\'s unit, e.g. \'{"co":0.001}\'', 'a JSON object of factors', parseJsonObject),
    'report-interval': option.integer('MS', "add: how often the device reports, in ms, when not its family's default (an HJ 212 station at 1 min, 5 min, 1 h); coverage is counted against it", { min: 1_000, max: 86_400_000 }),
  },
  footer: `Attributes each family requires (--attributes: all of them but those with a default, nothing else):\n${attributeHelp()}`,
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
  // Issue 22 item 5: a device's own report interval, which its coverage is counted against.
  const interval = options['report-interval'] === undefined ? {} : { reportIntervalMs: options['report-interval'] };
  const draft = action === 'add' ? await withStation({ ...addDraft(need), ...interval }, options) : undefined;
  const id = action === 'list' || action === 'export' ? undefined : need('id');
  const config = configFromEnv(process.env, options['data-dir'] ? { dataDir: options['data-dir'] } : {});
  // Issue 19, item 6: a change (or an export, whose secrets derive from the installation's key)
  // before the first start makes the installation: its key, and its registry copied from the
  // seeds into the data folder, where the change is written, never into seeds/.
  const installs = action !== 'list' && !options.registry;
  const installation = installs ? await step(`cannot prepare the data folder ${resolve(config.dataDir)}`, () => prepareInstallation(config)) : await useInstallation(config);
  const path = resolve(options.registry ?? installation.registryFile);
  if (action !== 'list' && action !== 'export') assertNotSeeds(path, `devices ${action}`);
  // Said where the rule chose the registry (--registry names it already): before a listing or an
  // export, after a change (a refused change's coded line comes first).
  const where = () => void (options.registry === undefined && process.stderr.write(dataFolderLine('devices', installation)));
  if (action === 'list' || action === 'export') where();
  const read = () => step(`cannot read the registry ${path}`, () => loadRegistryFile(path));
  // The broker's password file holds the secrets the installation's fleet key derives.
  if (action === 'export') return exportMosquittoCommand(await read(), { dir: need('mosquitto'), port: options.port, fleetKey: installation.fleetKey, ...exportListener(options) });
  const save = (next: Parameters<typeof saveRegistryFile>[1]) => step(`cannot write the registry ${path}`, () => saveRegistryFile(path, next));
  // A change is read and written under the registry's lock: two commands at once each keep theirs (a disable was undone; red team 3).
  // rotate --hj212-pw-file: the station's PW of the operator's choosing, read and checked before the lock.
  const stationPw = action === 'rotate' ? await stationPwOf(options, devicesHelp) : undefined;
  if (action === 'list') await run(action, { file: await read(), id: id!, draft, save });
  else await withFileLock(path, async () => run(action, { file: await read(), id: id!, draft, stationPw, save }));
  if (action !== 'list') where();
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

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // not JSON: the parser says what the option takes
  }
}

/** The HJ 212 block of `devices add` (issue 20): MN and PW together, the PW stored only as its hash. */
async function withStation(draft: Omit<DeviceRecord, 'secretHash'>, options: { 'hj212-mn'?: string; 'hj212-pw'?: string; 'hj212-pw-file'?: string; 'hj212-crc'?: 'strict' | 'compat'; 'hj212-codes'?: Record<string, unknown>; 'hj212-units'?: Record<string, unknown> }): Promise<Omit<DeviceRecord, 'secretHash'>> {
  const { 'hj212-mn': mn } = options;
  const others = options['hj212-crc'] ?? options['hj212-codes'] ?? options['hj212-units'];
  if (mn === undefined && options['hj212-pw'] === undefined && options['hj212-pw-file'] === undefined && others === undefined) return draft;
  if (mn === undefined) throw new UsageError('devices add: an HJ 212 station needs both --hj212-mn and --hj212-pw (or --hj212-pw-file)', devicesHelp);
  const pw = await stationPwOf(options, devicesHelp);
  if (pw === undefined) throw new UsageError('devices add: an HJ 212 station needs both --hj212-mn and --hj212-pw (or --hj212-pw-file)', devicesHelp);
  const hj212 = {
    mn, pwHash: await hashSecret(pw), crc: options['hj212-crc'] ?? 'strict',
    ...(options['hj212-codes'] ? { codes: options['hj212-codes'] } : {}),
    ...(options['hj212-units'] ? { units: options['hj212-units'] } : {}),
  } as DeviceRecord['hj212'];
  return { ...draft, hj212 };
}

type RegistryFile = Awaited<ReturnType<typeof loadRegistryFile>>;

async function run(action: Action, { file, id, draft, stationPw, save }: { file: RegistryFile; id: string; draft?: Omit<DeviceRecord, 'secretHash'>; stationPw?: string; save: (next: RegistryFile) => Promise<void> }): Promise<void> {
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
        const result = await rotateSecret(file, id, stationPw === undefined ? {} : { stationPw });
        await save(result.file);
        process.stdout.write(`rotated ${id}; its new secret (shown once): ${result.secret}\n`);
        // A station's PW changes with its secret; the old one is refused, its connections closed.
        if (result.stationPw !== undefined) process.stdout.write(stationPw === undefined ? `its new HJ 212 PW (shown once; set it on the station's data logger): ${result.stationPw}\n` : 'its HJ 212 PW is now the one given\n');
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
