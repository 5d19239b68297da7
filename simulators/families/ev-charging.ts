import { beijingDayNumber, beijingHourOfDay, DAY_MS, HOUR_MS } from '../../services/standards/beijing-time.ts';
import { chargerStates } from '../../services/families/ev-charging.ts';
import { clamp, round1, unitHash } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

const SLOT_MS = 20 * 60_000;
const gauss = (h: number, centre: number, width: number) => {
  const d = ((((h - centre) % 24) + 36) % 24) - 12;
  return Math.exp(-(d * d) / (2 * width * width));
};

/**
 * The share of a charger's 20-minute slots that are charging, by hour: an evening peak (home
 * from work, 18:00-22:00), a midday bump of taxis and ride-hailing at fast chargers, and night
 * charging under Shenzhen's off-peak tariff. Illustrative shapes, not measured station data.
 */
const busyShare = (hour: number, connector: string) => connector === 'dc'
  ? 0.08 + 0.5 * gauss(hour, 19.5, 1.8) + 0.3 * gauss(hour, 12.5, 1.6) + 0.25 * gauss(hour, 2, 2)
  : 0.1 + 0.5 * gauss(hour, 20.5, 2) + 0.2 * gauss(hour, 1, 3);

/**
 * In `npm start` the chargers live a compressed evening (issue 25: the peak on the wall): the run
 * starts at 17:00 on a day of its own and four charger hours pass per real hour. Backfills follow the clock.
 */
const STAGED_START_HOUR = 17;
const STAGED_SPEED = 4;
const chargerClock = (timeMs: number, runStartMs: number | undefined) =>
  runStartMs === undefined ? timeMs : beijingDayNumber(runStartMs) * DAY_MS - 8 * HOUR_MS + STAGED_START_HOUR * HOUR_MS + (timeMs - runStartMs) * STAGED_SPEED;

type Charger = { connector: string; ratedKw: number };
type SlotState = (typeof chargerStates)[number];

function slotState(seed: number, id: string, charger: Charger, slotStart: number, runStartMs: number | undefined): SlotState {
  const day = beijingDayNumber(slotStart);
  const hour = beijingHourOfDay(slotStart);
  // A few faults a day across the district: a charger faults on about one day in twenty, for 1-6 h;
  // in a staged run one charger in ten faults within its first evening.
  const faultStart = (runStartMs !== undefined && unitHash(seed, 'ev-demo-fault', id) < 0.1 ? STAGED_START_HOUR + 0.5 + 3 * unitHash(seed, 'ev-demo-fault-at', id) : null)
    ?? (unitHash(seed, 'ev-fault', id, day) < 0.05 ? 24 * unitHash(seed, 'ev-fault-at', id, day) : null);
  if (faultStart !== null && hour >= faultStart && hour < faultStart + 1 + 5 * unitHash(seed, 'ev-fault-for', id, day)) return 'fault';
  if (unitHash(seed, 'ev-offline', id, Math.floor(slotStart / HOUR_MS)) < 0.01) return 'offline';
  return unitHash(seed, 'ev-slot', id, slotStart) < clamp(busyShare(hour, charger.connector), 0, 0.95) ? 'charging' : 'idle';
}

/** Power (kW) in a charging slot: a DC charger tapers as the battery fills; AC draws its rating. */
const slotPower = (seed: number, id: string, charger: Charger, slotStart: number, progress: number) =>
  charger.ratedKw * (charger.connector === 'dc' ? (0.9 - 0.45 * progress) * (0.85 + 0.15 * unitHash(seed, 'ev-car', id, slotStart)) : 0.93);

/** One charger as its operator platform reports it: state code, power now, energy delivered today. */
export const simulateEvCharging: FamilySimulator = (device, timeMs, { seed, rng, runStartMs }) => {
  const charger = device.attributes as Charger;
  const clock = chargerClock(timeMs, runStartMs);
  const slotStart = Math.floor(clock / SLOT_MS) * SLOT_MS;
  const state = slotState(seed, device.id, charger, slotStart, runStartMs);
  const progress = (clock - slotStart) / SLOT_MS;
  const power = state === 'charging' ? slotPower(seed, device.id, charger, slotStart, progress) : 0;
  let energy = 0;
  const dayStart = (beijingDayNumber(clock) * DAY_MS) - 8 * HOUR_MS;
  for (let slot = Math.max(dayStart, Math.floor(dayStart / SLOT_MS) * SLOT_MS); slot < slotStart; slot += SLOT_MS) {
    if (slotState(seed, device.id, charger, slot, runStartMs) === 'charging') energy += (slotPower(seed, device.id, charger, slot, 0.5) * SLOT_MS) / HOUR_MS;
  }
  if (state === 'charging') energy += (((power + slotPower(seed, device.id, charger, slotStart, 0)) / 2) * (clock - slotStart)) / HOUR_MS;
  // The meter's supply voltage, also when the charger is out of service (offline to the network, still powered).
  const voltage = round1(clamp(rng.normal(226 - power / 60, 1.2), 198, 242));
  return { state: chargerStates.indexOf(state), power: round1(power), energyToday: round1(energy), voltage };
};
