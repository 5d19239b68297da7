import '../quiet-debug.ts'; // first: before any module makes its debug instances (quiet-debug.ts)
import { outcomeOf } from './failure.ts';

const usage = `wanxiang: telemetry platform for a district operations centre

Usage: wanxiang <command> [options]

Commands:
  start      start InfluxDB (local unless INFLUX_URL is set), broker, ingest, API and the demo fleet
  simulate   run the simulated district (with faults on request) against a broker
  record     capture the district's traffic to a compressed recording
  replay     publish a recording back, ×N or as fast as possible
  backfill   generate a year (or any range) of history through the ingest path
  rollup     recompute the rollups of a range from the raw points
  report     the plan's targets for a period (md in Chinese and English, csv, json)
  evaluate   check manual samples or lab results against the standards (nothing is stored)
  review     review data: mark a period invalid with a reason, revoke, list, export the history
  devices    administer the device registry: list, add, rotate, disable, enable, export --mosquitto
  users      the API's named people: list, add, rotate, disable, enable (docs/events.md)
  ingest     ingest as a shared-subscription client of an external MQTT broker (docs/deploy-city.md)
  help       show this text; 'wanxiang COMMAND --help' shows a command's options

Exit codes: 0 done; 1 an operational failure (file, connection, port, write), with its WX_ERR_*
code on stderr; 2 a bad or missing argument, named on stderr; 3 a state conflict (devices add of an
id the registry holds). Results go to stdout, logs to stderr.

Scale-out (docs/deploy-city.md): WX_BROKER_URL, WX_BROKER_USERNAME, WX_BROKER_PASSWORD,
WX_NODE_ID, WX_REDIS_URL, INFLUX_URLS.
`;

interface Command {
  run(argv: string[]): Promise<void>;
  readonly help: string;
}

// Each command's module is loaded only when it runs: a mistyped option is answered without
// loading the broker, the API and InfluxDB's client (what `start` needs).
const commands: Record<string, () => Promise<Command>> = {
  start: async () => import('./start.ts').then((m) => ({ run: m.startCommand, help: m.startHelp })),
  simulate: async () => import('./simulate.ts').then((m) => ({ run: m.simulateCommand, help: m.simulateHelp })),
  record: async () => import('./record.ts').then((m) => ({ run: m.recordCommand, help: m.recordHelp })),
  replay: async () => import('./replay.ts').then((m) => ({ run: m.replayCommand, help: m.replayHelp })),
  backfill: async () => import('./backfill.ts').then((m) => ({ run: m.backfillCommand, help: m.backfillHelp })),
  rollup: async () => import('./rollup.ts').then((m) => ({ run: m.rollupCommand, help: m.rollupHelp })),
  report: async () => import('./report.ts').then((m) => ({ run: m.reportCommand, help: m.reportHelp })),
  evaluate: async () => import('./evaluate.ts').then((m) => ({ run: m.evaluateCommand, help: m.evaluateHelp })),
  review: async () => import('./review.ts').then((m) => ({ run: m.reviewCommand, help: m.reviewHelp })),
  devices: async () => import('./devices.ts').then((m) => ({ run: m.devicesCommand, help: m.devicesHelp })),
  users: async () => import('./users.ts').then((m) => ({ run: m.usersCommand, help: m.usersHelp })),
  ingest: async () => import('./ingest.ts').then((m) => ({ run: m.ingestCommand, help: m.ingestHelp })),
};

let current = 'wanxiang';

// Issue 18, item 17: what a command creates (data folder, registry, spool, dead-letter files,
// influxd's files) is for this user alone: folders 0700, files 0600.
process.umask(0o077);

/** One line (and the usage for a bad argument), then exit: never a stack trace (issue 13). */
function fail(error: unknown): never {
  const outcome = outcomeOf(error, current);
  process.stderr.write(outcome.text);
  if (process.env.WX_LOG_LEVEL === 'debug' || process.env.WX_LOG_LEVEL === 'trace') process.stderr.write(`${(error as Error | undefined)?.stack ?? ''}\n`);
  process.exit(outcome.exitCode);
}

export async function main(argv: string[]): Promise<void> {
  const [command = 'help', ...rest] = argv;
  const load = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (load) {
    current = command;
    const entry = await load();
    if (rest.includes('--help') || rest.includes('-h')) return void process.stdout.write(entry.help);
    return entry.run(rest);
  }
  switch (command) {
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return;
    default:
      process.stderr.write(`WX_ERR_INVALID_ARGUMENT: unknown command ${JSON.stringify(command)}\n\n${usage}`);
      process.exitCode = 2;
  }
}

// `wanxiang devices list | head -3`: the reader left; stop quietly as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  fail(error);
});
// A library's stray 'error' event or rejection still ends as one coded line.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

main(process.argv.slice(2)).catch(fail);
