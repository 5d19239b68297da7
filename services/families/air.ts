import { z } from 'zod';
import { defineFamily } from './define-family.ts';

/** Ambient air-quality monitoring stations (HJ 633 pollutants plus weather). */
export const airFamily = defineFamily({
  id: 'air',
  title: 'Air-quality station',
  measurement: 'air_quality',
  reportIntervalMs: 60_000,
  qos: 1,
  hj212System: '22',
  // Upper bounds sit above HJ 633's highest breakpoints so that real episodes are kept;
  // anything beyond them is an instrument fault, not air.
  fields: {
    pm25: { label: { zh: 'PM2.5', en: 'PM2.5' }, field: 'pm25_ugm3', unit: 'µg/m³', min: 0, max: 1_000, type: 'float', description: 'PM2.5', hj212: 'a34004' },
    pm10: { label: { zh: 'PM10', en: 'PM10' }, field: 'pm10_ugm3', unit: 'µg/m³', min: 0, max: 2_000, type: 'float', description: 'PM10', hj212: 'a34002' },
    so2: { label: { zh: '二氧化硫', en: 'SO₂' }, field: 'so2_ugm3', unit: 'µg/m³', min: 0, max: 5_000, type: 'float', description: 'sulphur dioxide', hj212: 'a21026' },
    no2: { label: { zh: '二氧化氮', en: 'NO₂' }, field: 'no2_ugm3', unit: 'µg/m³', min: 0, max: 4_000, type: 'float', description: 'nitrogen dioxide', hj212: 'a21004' },
    o3: { label: { zh: '臭氧', en: 'Ozone' }, field: 'o3_ugm3', unit: 'µg/m³', min: 0, max: 2_000, type: 'float', description: 'ozone (1-h)', hj212: 'a05024' },
    co: { label: { zh: '一氧化碳', en: 'CO' }, field: 'co_mgm3', unit: 'mg/m³', min: 0, max: 200, type: 'float', description: 'carbon monoxide', hj212: 'a21005' },
    temperature: { label: { zh: '气温', en: 'Temperature' }, field: 'temp_c', unit: '°C', min: -30, max: 60, type: 'float', description: 'air temperature', hj212: 'a01001' },
    humidity: { label: { zh: '相对湿度', en: 'Humidity' }, field: 'rh_pct', unit: '%', min: 0, max: 100, type: 'float', description: 'relative humidity', hj212: 'a01002' },
    pressure: { label: { zh: '气压', en: 'Air pressure' }, field: 'pressure_hpa', unit: 'hPa', min: 800, max: 1_100, type: 'float', description: 'air pressure', hj212: 'a01006', hj212Factor: 10 },
  },
  attributes: z.strictObject({
    stationKind: z.enum(['national', 'municipal', 'district']),
  }),
});
