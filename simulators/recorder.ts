import mqtt from 'mqtt';
import type { Topics } from '../services/topics.ts';
import { toolClientId } from './device-client.ts';
import { createRecordingWriter, toRecordedFrame, toRecordedMessage } from './recording.ts';

export interface RecorderOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly topics: Topics;
  readonly path: string;
  /** Replace an existing file at `path` (record --force); otherwise it is refused. */
  readonly replace?: boolean;
  readonly now?: () => number;
}

export interface Recorder {
  readonly recorded: number;
  stop(): Promise<number>;
}

/**
 * Records the district's traffic from any MQTT broker as a read-only observer: telemetry
 * and status of every device, and the raw frames of HJ 212 stations, with receive times.
 */
export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const now = options.now ?? Date.now;
  // Connect first: a refused login or an unreachable broker leaves no empty recording behind.
  const client = await mqtt.connectAsync(options.url, { clientId: toolClientId('record', options.username), username: options.username, password: options.password, reconnectPeriod: 1_000, clean: true });
  let writer: ReturnType<typeof createRecordingWriter>;
  try {
    writer = createRecordingWriter(options.path, { startedAt: now(), source: options.url }, { replace: options.replace ?? false });
  } catch (error) {
    await client.endAsync();
    throw error;
  }
  let recorded = 0;
  client.on('message', (topic, payload) => {
    const station = options.topics.parseStationFrames(topic);
    writer.write(station === null ? toRecordedMessage(now(), topic, payload) : toRecordedFrame(now(), station, payload));
    recorded += 1;
  });
  // Raw HJ 212 frames too, as the platform relays them once stored (issue 20, item 5).
  await client.subscribeAsync([options.topics.filterAll('telemetry'), options.topics.filterAll('status'), options.topics.stationFrames()], { qos: 1 });
  return {
    get recorded() {
      return recorded;
    },
    async stop() {
      await client.endAsync();
      await writer.close();
      return recorded;
    },
  };
}
