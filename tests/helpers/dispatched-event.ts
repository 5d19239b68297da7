import type { TestPlatform } from './test-platform.ts';

/** The id of the next event the platform dispatches, once it is dispatched in memory. */
export function nextDispatched(test: TestPlatform): Promise<string> {
  return new Promise((resolve) => {
    const stop = test.platform.events!.onChange((event, record) => {
      if (record.kind === 'dispatched') {
        stop();
        resolve(event.id);
      }
    });
  });
}

/**
 * A real reading over MQTT (PM2.5 250 µg/m³ from an air station) raises an alarm, and routing
 * sends its event to the environment bureau (eco-env): the event's id, once it is dispatched.
 */
export async function dispatchAirEvent(test: TestPlatform, deviceId = 'air-guiyuan'): Promise<string> {
  const dispatched = nextDispatched(test);
  const device = await test.connect(test.device(deviceId));
  await device.publishAsync(test.topics.build('air', deviceId, 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
  return dispatched;
}
