import { z } from 'zod';
import { defineFamily, type FamilyState, type RollupOutput, type RollupRow } from './define-family.ts';

/**
 * Chargers at public charging stations (issue 25; plan l.3238 进一步完善充电桩、充电站等充电设备
 * 基础设施建设). One device is one charger (one connector), reported by the station's operator
 * platform every minute: its state, the power it delivers now and the energy it delivered today.
 *
 * The state is a coded field (an int on the wire and in InfluxDB, never a string that changes
 * type): the index into `chargerStates`. It follows the connector states operator platforms
 * exchange (T/CEC 102 interconnection: offline, idle, occupied/charging, fault) folded to four.
 */
export const chargerStates = ['idle', 'charging', 'fault', 'offline'] as const;

/**
 * Issue 25, item 4: a charger's day. Availability is the share of its readings in service (idle or
 * charging), the fault rate the share in fault, both by readings (a charger reports at a fixed
 * interval, so readings stand for time); energy is the day's last "energy today". A station's
 * figures are its chargers' (the rollup points carry the station tag).
 */
function chargerDay(day: { startMs: number }, rows: readonly RollupRow[]): RollupOutput[] {
  const states = rows.map((row) => row.fields.state_code).filter((code): code is number => code !== undefined);
  if (states.length === 0) return [];
  const share = (names: readonly string[]) => Math.round((states.filter((code) => names.includes(chargerStates[code] ?? '')).length / states.length) * 10_000) / 100;
  const energy = rows.reduce((max, row) => Math.max(max, row.fields.energy_today_kwh ?? 0), 0);
  return [{
    measurement: 'ev_charging_daily',
    fields: { available_pct: share(['idle', 'charging']), charging_pct: share(['charging']), fault_pct: share(['fault']), offline_pct: share(['offline']), energy_kwh: energy, readings: states.length },
    timeMs: day.startMs,
  }];
}

export const evChargingFamily = defineFamily({
  id: 'ev_charging',
  title: 'EV charger',
  measurement: 'ev_charging',
  reportIntervalMs: 60_000,
  qos: 1,
  fields: {
    state: { label: { zh: '状态', en: 'State' }, field: 'state_code', unit: '', min: 0, max: chargerStates.length - 1, type: 'int', required: true, description: 'charger state: 0 idle, 1 charging, 2 fault, 3 offline', codes: chargerStates },
    // 480 kW is above the fastest public DC chargers in service (GB/T 20234.3-2023 "ChaoJi" class).
    power: { label: { zh: '功率', en: 'Power' }, field: 'power_kw', unit: 'kW', min: 0, max: 480, type: 'float', description: 'power delivered now' },
    // The supply voltage the charger's meter reads (GB/T 12325-2008 §5: 220 V supply within +7 %/-10 %).
    voltage: { label: { zh: '供电电压', en: 'Supply voltage' }, field: 'supply_voltage_v', unit: 'V', min: 0, max: 500, type: 'float', description: 'supply (phase) voltage at the charger' },
    energyToday: { label: { zh: '今日充电量', en: 'Energy today' }, field: 'energy_today_kwh', unit: 'kWh', min: 0, max: 12_000, type: 'float', description: 'energy delivered today (Beijing day), from 0 at midnight' },
  },
  attributes: z.strictObject({
    /** The station (an id: it becomes a tag) and its name. */
    station: z.string().regex(/^[a-z0-9-]{1,40}$/),
    stationName: z.string().min(1).max(60),
    connector: z.enum(['dc', 'ac']),
    ratedKw: z.number().positive().max(480),
    source: z.string().min(1).max(200),
  }),
  tagsFrom: (attributes) => ({ station: attributes.station }),
  dailyRollup: (day, rows) => chargerDay(day, rows),
  // Only a charging charger delivers power (a small standby draw is not reported as power).
  inconsistency: (values) => (values.state !== undefined && values.state !== 1 && (values.power ?? 0) > 0 ? `power ${values.power} kW while not charging (state ${chargerStates[values.state] ?? values.state})` : null),
  state: (values, attributes): FamilyState | null => {
    const name = values.state === undefined ? undefined : chargerStates[values.state];
    if (name === undefined) return null;
    const severity = name === 'fault' ? 3 : name === 'offline' ? 2 : 0;
    return { severity, label: name, value: name === 'charging' ? (values.power ?? 0) : name, limit: attributes.ratedKw };
  },
  // Issue 25, item 4: a charger's and a station's month; shares weighted by readings (a share of time).
  rollupSummary: {
    fields: {
      available_pct: { combine: { weightedBy: 'readings' }, unit: '%', label: { zh: '可用率', en: 'Availability' }, key: true },
      charging_pct: { combine: { weightedBy: 'readings' }, unit: '%', label: { zh: '充电时间占比', en: 'Share charging' } },
      fault_pct: { combine: { weightedBy: 'readings' }, unit: '%', label: { zh: '故障率', en: 'Fault rate' }, key: true },
      offline_pct: { combine: { weightedBy: 'readings' }, unit: '%', label: { zh: '离线率', en: 'Offline share' } },
      energy_kwh: { combine: 'sum', unit: 'kWh', label: { zh: '充电量', en: 'Energy delivered' }, key: true },
      readings: { combine: 'sum', unit: '', label: { zh: '读数', en: 'Readings' } },
    },
    groupBy: { tag: 'station', label: { zh: '充电站', en: 'Station' } },
  },
  presentation: {
    label: { zh: '电动汽车充电桩', en: 'EV chargers' },
    shortLabel: { zh: '充电桩', en: 'EV' },
    headline: ['power'],
    symbol: 'path://M6,0 L0,11 L5,11 L3,20 L10,7 L5,7 L8,0 Z',
    colour: '#27ae60',
    states: {
      idle: { zh: '空闲', en: 'Idle' },
      charging: { zh: '充电中', en: 'Charging' },
      fault: { zh: '故障', en: 'Fault' },
      offline: { zh: '离线', en: 'Offline' },
    },
    codeLabels: {
      state: {
        idle: { zh: '空闲', en: 'Idle' },
        charging: { zh: '充电中', en: 'Charging' },
        fault: { zh: '故障', en: 'Fault' },
        offline: { zh: '离线', en: 'Offline' },
      },
    },
    ruleTitles: {
      'ev-charger-fault': { zh: '充电桩故障', en: 'Charger fault' },
      'ev-street-free-low': { zh: '街道空闲充电桩不足{limit}%', en: 'Free chargers on the street below {limit} %' },
    },
  },
});
