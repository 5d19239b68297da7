import { backfillCommand, backfillHelp } from './backfill.ts';
import { recordCommand, recordHelp } from './record.ts';
import { replayCommand, replayHelp } from './replay.ts';
import { reportCommand, reportHelp } from './report.ts';
import { rollupCommand, rollupHelp } from './rollup.ts';
import { evaluateCommand, evaluateHelp } from './evaluate.ts';
import { devicesCommand, devicesHelp } from './devices.ts';
import { simulateCommand, simulateHelp } from './simulate.ts';
import { outcomeOf } from './failure.ts';
import { startCommand, startHelp } from './start.ts';

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
  devices    administer the device registry: list, add, rotate, disable, enable
  help       show this text; 'wanxiang COMMAND --help' shows a command's options

Exit codes: 0 done; 1 an operational failure (file, connection, port, write), with its WX_ERR_*
code on stderr; 2 a bad or missing argument, named on stderr. Results go to stdout, logs to stderr.
`;

const commands: Record<string, { run: (argv: string[]) => Promise<void>; help: string }> = {
  start: { run: startCommand, help: startHelp },
  simulate: { run: simulateCommand, help: simulateHelp },
  record: { run: recordCommand, help: recordHelp },
  replay: { run: replayCommand, help: replayHelp },
  backfill: { run: backfillCommand, help: backfillHelp },
  rollup: { run: rollupCommand, help: rollupHelp },
  report: { run: reportCommand, help: reportHelp },
  evaluate: { run: evaluateCommand, help: evaluateHelp },
  devices: { run: devicesCommand, help: devicesHelp },
};

let current = 'wanxiang';

/** One line (and the usage for a bad argument), then exit: never a stack trace (issue 13). */
function fail(error: unknown): never {
  const outcome = outcomeOf(error, current);
  process.stderr.write(outcome.text);
  if (process.env.WX_LOG_LEVEL === 'debug' || process.env.WX_LOG_LEVEL === 'trace') process.stderr.write(`${(error as Error | undefined)?.stack ?? ''}\n`);
  process.exit(outcome.exitCode);
}

export async function main(argv: string[]): Promise<void> {
  const [command = 'help', ...rest] = argv;
  const entry = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (entry) {
    current = command;
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
