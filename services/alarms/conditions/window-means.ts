/**
 * Running means of a device's values within a window (a clock hour, a Beijing day): constant
 * work per reading; a reading of a later window starts it afresh, an earlier one is ignored.
 */
export interface WindowMeans {
  /** Adds the reading; false when it belongs to an earlier window than the current one. */
  add(deviceId: string, window: number, values: Readonly<Record<string, number>>): boolean;
  mean(deviceId: string, key: string): number | null;
}

interface Sums {
  window: number;
  sum: Map<string, number>;
  count: Map<string, number>;
}

export function createWindowMeans(keys: readonly string[]): WindowMeans {
  const byDevice = new Map<string, Sums>();
  return {
    add(deviceId, window, values) {
      let sums = byDevice.get(deviceId);
      if (sums && window < sums.window) return false;
      if (!sums || window > sums.window) byDevice.set(deviceId, (sums = { window, sum: new Map(), count: new Map() }));
      for (const key of keys) {
        const value = values[key];
        if (value === undefined) continue;
        sums.sum.set(key, (sums.sum.get(key) ?? 0) + value);
        sums.count.set(key, (sums.count.get(key) ?? 0) + 1);
      }
      return true;
    },
    mean(deviceId, key) {
      const sums = byDevice.get(deviceId);
      const count = sums?.count.get(key);
      return sums && count ? sums.sum.get(key)! / count : null;
    },
  };
}
