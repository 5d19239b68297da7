import { z } from 'zod';
import { defineFamily } from './define-family.ts';

/** Ambient air-quality monitoring stations (HJ 633 pollutants plus weather). */
export const airFamily = defineFamily({
  id: 'air',
  title: 'Air-quality station',
  measurement: 'air_quality',
  reportIntervalMs: 60_000,
  qos: 1,
  // Upper bounds sit above HJ 633's highest breakpoints so that real episodes are kept;
  // anything beyond them is an instrument fault, not air.
  fields: {
    pm25: { field: 'pm25_ugm3', unit: 'µg/m³', min: 0, max: 1_000, type: 'float', description: 'PM2.5' },
    pm10: { field: 'pm10_ugm3', unit: 'µg/m³', min: 0, max: 2_000, type: 'float', description: 'PM10' },
    so2: { field: 'so2_ugm3', unit: 'µg/m³', min: 0, max: 5_000, type: 'float', description: 'sulphur dioxide' },
    no2: { field: 'no2_ugm3', unit: 'µg/m³', min: 0, max: 4_000, type: 'float', description: 'nitrogen dioxide' },
    o3: { field: 'o3_ugm3', unit: 'µg/m³', min: 0, max: 2_000, type: 'float', description: 'ozone (1-h)' },
    co: { field: 'co_mgm3', unit: 'mg/m³', min: 0, max: 200, type: 'float', description: 'carbon monoxide' },
    temperature: { field: 'temp_c', unit: '°C', min: -30, max: 60, type: 'float', description: 'air temperature' },
    humidity: { field: 'rh_pct', unit: '%', min: 0, max: 100, type: 'float', description: 'relative humidity' },
    pressure: { field: 'pressure_hpa', unit: 'hPa', min: 800, max: 1_100, type: 'float', description: 'air pressure' },
  },
  attributes: z.strictObject({
    stationKind: z.enum(['national', 'municipal', 'district']),
  }),
});
