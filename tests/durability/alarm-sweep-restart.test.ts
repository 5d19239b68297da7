import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { spawnStart, type StartedCli } from '../cli/spawn-start.ts';
import { apiCaller } from '../helpers/api-call.ts';
import { writeDepartmentsWithHold } from '../helpers/departments-hold.ts';
import { pollUntil } from '../helpers/poll-until.ts';
import { publishWaterSamples } from '../helpers/water-samples.ts';

// Red team 11: an alarm whose hold time runs out while the platform is down is closed by the alarm
// engine's first sweep at the start (hold-clock.ts). That closing must reach its event as every
// other closing does: before, the events were started (and took the alarms' changes) only after
// that sweep, so the event kept the alarm open for good: it never closed by itself after its
// resolution, and it took in every later alarm of its family and street as "ongoing".
// Real processes: `bin/wanxiang.js start` spawned twice, real MQTT, real influxd.
const alarmHoldMs = 15_000;
const eventHoldMs = 5_000;
const operator = 'operator-zhao-lei-0123456789abcdef';

interface Running { readonly started: StartedCli; readonly httpUrl: string; readonly mqttUrl: string; readonly output: () => string }

/** `wanxiang start` without the simulated fleet, on free ports, on the given data folder and database (tests/cli/spawn-start.ts). */
async function start(dataDir: string, env: Record<string, string>): Promise<Running> {
  const started = await spawnStart(['--no-simulate', '--data-dir', dataDir, '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0'], { WX_FLEET_KEY: defaultFleetKey, ...env });
  // The endpoints are an operator's to see (internals-view.ts).
  const health = (await (await fetch(`${started.httpUrl}/healthz`, { headers: { authorization: `Bearer ${operator}` } })).json()) as { mqttUrl: string };
  return { started, httpUrl: started.httpUrl, mqttUrl: health.mqttUrl, output: started.output };
}

const stop = async (running: Running | undefined): Promise<number | null> => (running ? running.started.stop() : null);

interface EventBody { id: string; state: string; reopened: number; family: string; clearSinceMs: number | null; resolvedAtMs: number | null; closedAtMs: number | null; alarms: Array<{ id: string; closedAtMs: number | null }>; timeline: Array<{ kind: string; by: string; atMs: number; note?: string }> }

describe('red team: an alarm closed by the first sweep after a restart reaches its event', () => {
  let dir: string;
  let env: Record<string, string>;
  let platform: Running | undefined;

  const api = apiCaller(() => platform!.httpUrl);
  const call = (path: string, body?: unknown) => api(path, operator, body);
  const waterEvent = async () => ((await call('/api/v1/events?family=water')).body.events as EventBody[] | undefined)?.[0];
  const until = <T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 60_000) => pollUntil(what, read, timeoutMs, () => `${platform?.output().slice(-2_000)}`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-sweep-restart-'));
    const departmentsFile = await writeDepartmentsWithHold(dir, eventHoldMs);
    const rules = JSON.parse(await readFile('seeds/alarm-rules.json', 'utf8')) as { rules: Array<{ id: string; holdMs: number }> };
    rules.rules.find((rule) => rule.id === 'water-below-target')!.holdMs = alarmHoldMs;
    await writeFile(join(dir, 'alarm-rules.json'), JSON.stringify(rules));
    env = {
      INFLUX_URL: inject('influxUrl'), INFLUX_DB: `sweep_${randomBytes(5).toString('hex')}`,
      WX_API_TOKENS: `operator:zhao.lei:${operator}`, WX_DEPARTMENTS_FILE: departmentsFile, WX_ALARM_RULES_FILE: join(dir, 'alarm-rules.json'),
    };
    platform = await start(join(dir, 'data'), env);
  }, 120_000);
  afterAll(async () => {
    await stop(platform);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('closes the event’s alarm, and then the resolved event, when the alarm’s hold ran out while the platform was down', async () => {
    await publishWaterSamples(platform!.mqttUrl, 5, [300, 200, 100]); // the rule's debounce
    const opened = await until('the water event', async () => {
      const event = await waterEvent();
      return event?.state === 'dispatched' ? event : undefined;
    });
    const alarmId = opened.alarms[0]!.id;
    // The section is clean again: the alarm's hold starts; the department resolves the event.
    await publishWaterSamples(platform!.mqttUrl, 0.3, [100]);
    await until('the alarm’s hold to start', async () => (await readFile(join(dir, 'data', 'alarms', 'hold-times.json'), 'utf8').catch(() => '')).includes(alarmId) || undefined, 10_000);
    expect((await call(`/api/v1/events/${opened.id}/resolve`, { note: 'outfall plugged', cause: 'real-exceedance' })).status).toBe(200);
    expect(await stop(platform)).toBe(0);
    platform = undefined;
    // The alarm's hold runs out while nothing runs.
    await new Promise((resolve) => setTimeout(resolve, alarmHoldMs + 1_000));
    platform = await start(join(dir, 'data'), env);
    const alarm = ((await call('/api/v1/alarms')).body.alarms as Array<{ id: string; state: string }>).find((entry) => entry.id === alarmId);
    expect(alarm?.state).toBe('closed');
    // The event hears of it: its alarm closed, its hold begun, and it closes once that hold has passed.
    const closed = await until('the event to close', async () => {
      const event = (await call(`/api/v1/events/${opened.id}`)).body as unknown as EventBody;
      return event.state === 'closed' ? event : undefined;
    }, 30_000).catch(async (error: unknown) => {
      console.log(JSON.stringify((await call(`/api/v1/events/${opened.id}`)).body).slice(0, 2_000));
      throw error;
    });
    expect(closed.alarms.find((entry) => entry.id === alarmId)?.closedAtMs).not.toBeNull();
    expect(closed.timeline.at(-1)).toMatchObject({ kind: 'closed', by: 'system' });
  }, 180_000);
});
