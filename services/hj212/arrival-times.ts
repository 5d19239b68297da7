/**
 * Times for points timed by their arrival (hj212_unknown: unknown codes, uploads kept raw): a
 * millisecond of their own per station, so that packets arriving in the same millisecond (one
 * TCP chunk) never overwrite each other in InfluxDB (same series, same time = one point).
 * One number a station that ever had such a point.
 */
export function createArrivalTimes(): (deviceId: string, atMs: number) => number {
  const last = new Map<string, number>();
  return (deviceId, atMs) => {
    const at = Math.max(atMs, (last.get(deviceId) ?? 0) + 1);
    last.set(deviceId, at);
    return at;
  };
}
