import { getFamily } from '../families/index.ts';
import type { DeviceRecord } from './registry-schema.ts';

/** How often a device reports: its registered interval (`reportIntervalMs`) when it has one, else its family's. */
export const deviceReportIntervalMs = (device: Pick<DeviceRecord, 'family' | 'reportIntervalMs'>): number =>
  device.reportIntervalMs ?? getFamily(device.family).reportIntervalMs;
