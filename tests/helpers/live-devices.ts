/** The devices of one family as GET /api/v1/live answers them, by id. */
export async function liveDevices<Device extends { id: string }>(httpUrl: string, family: string): Promise<Map<string, Device>> {
  const live = (await (await fetch(`${httpUrl}/api/v1/live?family=${family}`)).json()) as { families: Array<{ devices: Device[] }> };
  return new Map(live.families[0]!.devices.map((device) => [device.id, device]));
}
