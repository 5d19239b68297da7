/**
 * Writes seeds/devices.json: the simulated fleet of Luohu District, placed where the
 * plan puts things (shared/reference/plan-targets.md). Salts derive from the fleet key
 * so that regenerating gives the same file. Run: npx tsx scripts/generate-registry.ts
 */
import { createHmac } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { defaultFleetKey } from '../services/config.ts';
import { simulatedStationPw } from '../services/hj212/simulated-station.ts';
import { parseRegistry } from '../services/registry/device-registry.ts';
import { hashDeviceSecret, hashSecret, simulatedDeviceSecret } from '../services/registry/secrets.ts';

type Street = { id: string; name: string; nameEn: string; lat: number; lon: number };
const streets: Street[] = [
  { id: 'guiyuan', name: '桂园', nameEn: 'Guiyuan', lat: 22.5462, lon: 114.1125 },
  { id: 'huangbei', name: '黄贝', nameEn: 'Huangbei', lat: 22.5478, lon: 114.1405 },
  { id: 'dongmen', name: '东门', nameEn: 'Dongmen', lat: 22.5483, lon: 114.1218 },
  { id: 'cuizhu', name: '翠竹', nameEn: 'Cuizhu', lat: 22.5601, lon: 114.1282 },
  { id: 'dongxiao', name: '东晓', nameEn: 'Dongxiao', lat: 22.5718, lon: 114.1351 },
  { id: 'nanhu', name: '南湖', nameEn: 'Nanhu', lat: 22.5378, lon: 114.1183 },
  { id: 'sungang', name: '笋岗', nameEn: 'Sungang', lat: 22.5652, lon: 114.1052 },
  { id: 'donghu', name: '东湖', nameEn: 'Donghu', lat: 22.5751, lon: 114.1502 },
  { id: 'liantang', name: '莲塘', nameEn: 'Liantang', lat: 22.5553, lon: 114.1751 },
  { id: 'qingshuihe', name: '清水河', nameEn: 'Qingshuihe', lat: 22.5823, lon: 114.1103 },
];
const street = (id: string) => streets.find((s) => s.id === id)!;

/**
 * `siteNameEn`: the registered English name, which English reports print (issue 22 item 1).
 * `reportIntervalMs`: the interval the station reports at, against which coverage is counted (issue 22 item 9).
 */
interface Draft { id: string; family: string; site: string; siteName: string; siteNameEn?: string; street: string; attributes: Record<string, unknown>; offset: number; hj212?: true; reportIntervalMs?: number }
const drafts: Draft[] = [];

/**
 * The registered report intervals (issue 22 item 9): coverage counts each reading for its device's
 * interval, so readings that never arrived leave an hour or a night short. Air stations: 5-minute
 * values (HJ 212 CN 2051 at MinInterval 5, from which the simulated HJ 212 station builds its hour);
 * noise monitors: 5-minute Leq; surface-water automatic stations: a sample every 4 hours. The demo
 * fleet sends every 5 s whatever is registered (config simulate.intervalMs); the wall judges a device
 * that shows it reports more often than registered by the gap it shows (services/live/freshness.ts
 * judgedIntervalMs), so a stopped demo station goes grey after 2 minutes, not 10.
 */
const reportIntervalMs = { air: 5 * 60_000, noise: 5 * 60_000, water: 4 * 3_600_000 } as const;

for (const [index, s] of streets.entries()) {
  drafts.push({
    reportIntervalMs: reportIntervalMs.air,
    id: `air-${s.id}`, family: 'air', site: `aqs-${s.id}`, siteName: `${s.name}空气质量监测站`, siteNameEn: `${s.nameEn} air-quality station`, street: s.id, offset: index,
    attributes: { stationKind: s.id === 'nanhu' || s.id === 'liantang' ? 'national' : 'district' },
    // Issue 20, item 5: the national and municipal stations speak HJ 212, as real ones do.
    ...(s.id === 'nanhu' || s.id === 'liantang' ? { hj212: true as const } : {}),
  });
}

// Plan indicator 26 and chapter 9: four named sections at Class IV or better.
const sections = [
  ['shenzhen-river', '深圳河', 'mouth', '深圳河河口', 'Shenzhen River mouth', 'nanhu', 'IV'],
  ['buji-river', '布吉河', 'mouth', '布吉河河口', 'Buji River mouth', 'nanhu', 'IV'],
  ['reservoir-flood-river', '深圳水库排洪河', 'mouth', '深圳水库排洪河河口', 'Shenzhen Reservoir flood-discharge river mouth', 'huangbei', 'IV'],
  ['liantang-river', '莲塘河', 'quarry', '莲塘河采石场', 'Liantang River, quarry section', 'liantang', 'IV'],
  ['bijiashan-river', '笔架山河', 'mouth', '笔架山河河口', 'Bijiashan River mouth', 'sungang', 'IV'],
  ['qingshui-river', '清水河', 'mouth', '清水河河口', 'Qingshui River mouth', 'qingshuihe', 'IV'],
  ['shawan-river', '沙湾河', 'mouth', '沙湾河河口', 'Shawan River mouth', 'donghu', 'IV'],
  ['wutongshan-river', '梧桐山河', 'upper', '梧桐山河上游', 'Wutongshan River, upper reach', 'liantang', 'III'],
] as const;
for (const [index, [river, riverName, point, sectionName, sectionNameEn, streetId, targetClass]] of sections.entries()) {
  drafts.push({
    reportIntervalMs: reportIntervalMs.water,
    id: `water-${river}-${point}`, family: 'water', site: `${river}-${point}`, siteName: sectionName, siteNameEn: sectionNameEn, street: streetId, offset: index,
    attributes: { river, riverName, sectionName, targetClass, waterbody: 'river' },
    hj212: true,
  });
}

// Plan lines 138-142: the drinking-water source held Class II (100 %) through the 13th plan. 深圳水库
// (Shenzhen Reservoir, in 东湖 street) is Luohu's source: a reservoir section, TP by the lake/reservoir
// limits and TN evaluated beside the class (GB 3838-2002; 环办〔2011〕22号).
drafts.push({
  reportIntervalMs: reportIntervalMs.water,
  id: 'water-shenzhen-reservoir', family: 'water', site: 'shenzhen-reservoir', siteName: '深圳水库', siteNameEn: 'Shenzhen Reservoir intake', street: 'donghu', offset: sections.length,
  attributes: { river: 'shenzhen-reservoir', riverName: '深圳水库', sectionName: '深圳水库取水口', targetClass: 'II', waterbody: 'reservoir' },
  hj212: true,
});

// Plan 专栏6: the substations named for new builds and expansion; five 10 kV transformers each.
const substations = [
  ['buxin', '布心', 'dongxiao', '220kV'], ['hubei', '湖贝', 'dongmen', '110kV'], ['liyuan', '梨园', 'liantang', '110kV'],
  ['shuibei', '水贝', 'cuizhu', '220kV'], ['zhubao', '珠宝', 'cuizhu', '110kV'], ['mumianling', '木棉岭', 'donghu', '110kV'],
  ['changcheng-wuliu', '长城物流', 'qingshuihe', '110kV'], ['meiyuan', '梅园', 'sungang', '110kV'], ['caiwuwei', '蔡屋围', 'guiyuan', '220kV'],
] as const;
const transformerKva = [630, 800, 1000, 1250, 1600];
for (const [index, [id, name, streetId, voltageClass]] of substations.entries()) {
  drafts.push({
    id: `grid-${id}`, family: 'grid', site: `sub-${id}`, siteName: `${name}变电站`, street: streetId, offset: index,
    attributes: { level: 'substation', substation: id, ratedKva: voltageClass === '220kV' ? 720_000 : 189_000, voltageClass },
  });
  for (let t = 1; t <= 5; t += 1) {
    drafts.push({
      id: `grid-${id}-t${t}`, family: 'grid', site: `tx-${id}-${t}`, siteName: `${name}站${t}号配变`, street: streetId, offset: index + t / 10,
      attributes: { level: 'transformer', substation: id, ratedKva: transformerKva[t - 1], voltageClass: '10kV' },
    });
  }
}

// Plan lines 1889-1897, 2104-2106: hospitals and old estates first, plus offices and shops to share with.
const lots = [
  ['people-hospital', '罗湖区人民医院', 'dongmen', 'hospital', 420], ['sz-people-hospital', '深圳市人民医院', 'dongmen', 'hospital', 650],
  ['tcm-hospital', '罗湖区中医院', 'huangbei', 'hospital', 260], ['maternity-hospital', '罗湖区妇幼保健院', 'cuizhu', 'hospital', 180],
  ['kingkey-100', '京基100', 'guiyuan', 'office', 1800], ['diwang', '地王大厦', 'guiyuan', 'office', 900],
  ['guomao', '国贸大厦', 'nanhu', 'office', 600], ['caiwuwei-finance', '蔡屋围金融中心', 'guiyuan', 'office', 1100],
  ['mixc', '万象城', 'guiyuan', 'shopping', 2000], ['dongmen-street', '东门步行街', 'dongmen', 'shopping', 850],
  ['jinguanghua', '金光华广场', 'nanhu', 'shopping', 700], ['xihui', '喜荟城', 'liantang', 'shopping', 900],
  ['cuizhu-estate', '翠竹苑', 'cuizhu', 'residential', 300], ['dongxiao-garden', '东晓花园', 'dongxiao', 'residential', 350],
  ['liantang-village', '莲塘新村', 'liantang', 'residential', 280], ['hubei-estate', '湖贝新村', 'dongmen', 'residential', 220],
  ['buxin-estate', '布心花园', 'donghu', 'residential', 400], ['sungang-estate', '笋岗宝安村', 'sungang', 'residential', 260],
  ['qingshuihe-estate', '清水河社区', 'qingshuihe', 'residential', 240], ['luohu-station', '罗湖火车站', 'nanhu', 'transport', 1500],
] as const;
for (const [index, [id, name, streetId, lotKind, capacity]] of lots.entries()) {
  drafts.push({
    id: `parking-${id}`, family: 'parking', site: `lot-${id}`, siteName: name, street: streetId, offset: index / 2,
    attributes: { capacity, lotKind },
  });
}

// Plan lines 3262-3264: 布心路, 沿河北路, 沿河南路 exceed limits; trunk frontage is class 4a.
const roads = [
  ['buxin-road', '布心路', 'Buxin Road', 'dongxiao', '4a', 1], ['buxin-road', '布心路', 'Buxin Road', 'donghu', '4a', 2],
  ['yanhe-north-road', '沿河北路', 'Yanhe North Road', 'huangbei', '4a', 1], ['yanhe-north-road', '沿河北路', 'Yanhe North Road', 'dongmen', '4a', 2],
  ['yanhe-south-road', '沿河南路', 'Yanhe South Road', 'nanhu', '4a', 1], ['yanhe-south-road', '沿河南路', 'Yanhe South Road', 'huangbei', '4a', 2],
  ['cuizhu-road', '翠竹路', 'Cuizhu Road', 'cuizhu', '2', 1], ['yijing-road', '怡景路', 'Yijing Road', 'huangbei', '1', 1],
  ['donghu-road', '东湖路', 'Donghu Road', 'donghu', '2', 1], ['liantang-road', '莲塘路', 'Liantang Road', 'liantang', '4a', 1],
] as const;
for (const [index, [road, roadName, roadNameEn, streetId, zoneClass, point]] of roads.entries()) {
  drafts.push({
    reportIntervalMs: reportIntervalMs.noise,
    id: `noise-${road}-${point}`, family: 'noise', site: `${road}-${point}`, siteName: `${roadName}${point}号点`, siteNameEn: `${roadNameEn}, point ${point}`, street: streetId, offset: index,
    attributes: { road, roadName, zoneClass },
  });
}

// Plan lines 3232-3234 (加强黄金珠宝加工企业废气监管): VOC monitors at the exhaust points of
// jewellery workshops in the 水贝 jewellery quarter. The workshops are illustrative, not real firms.
const workshops = [
  ['shuibei-casting', '水贝珠宝铸造车间(示例)', 'cuizhu', 'casting'],
  ['shuibei-plating', '水贝珠宝电镀车间(示例)', 'cuizhu', 'electroplating'],
] as const;
for (const [index, [workshop, workshopName, streetId, process]] of workshops.entries()) {
  drafts.push({
    id: `voc-${workshop}`, family: 'voc', site: `exhaust-${workshop}`, siteName: `${workshopName}排气口`, street: streetId, offset: 3 + index,
    attributes: { workshop, workshopName, process }, hj212: true,
  });
}

// HJ 212 MNs: the district's code (440303 罗湖区), two letters of the family, a serial.
const mnPrefix: Record<string, string> = { air: 'AQ', water: 'WQ', voc: 'VO' };
const serials: Record<string, number> = {};
const stationMn = (family: string) => `440303${mnPrefix[family]}${String((serials[family] = (serials[family] ?? 0) + 1)).padStart(6, '0')}`;

const fleetKey = process.env.WX_FLEET_KEY ?? defaultFleetKey;
const round = (value: number) => Math.round(value * 10_000) / 10_000;
const devices = await Promise.all(
  drafts.map(async ({ offset, hj212, ...draft }) => {
    const s = street(draft.street);
    // A fixed salt per station (from the key), so that regenerating gives the same file.
    const pwSalt = createHmac('sha256', fleetKey).update(`salt:hj212:${draft.id}`).digest().subarray(0, 16);
    return {
      ...draft,
      lat: round(s.lat + Math.sin(offset * 1.7) * 0.004),
      lon: round(s.lon + Math.cos(offset * 1.3) * 0.004),
      secretHash: hashDeviceSecret(simulatedDeviceSecret(fleetKey, draft.id)),
      ...(hj212 ? { hj212: { mn: stationMn(draft.family), pwHash: await hashSecret(simulatedStationPw(fleetKey, draft.id), pwSalt), crc: 'strict' as const } } : {}),
    };
  }),
);
// Families this script does not draft (issue 25: a family added by its own registry lines) keep
// their devices as they are in the file, hashes included: regenerating never drops or rehashes them.
const drafted = new Set(drafts.map((draft) => draft.family));
const existing = JSON.parse(await readFile(new URL('../seeds/devices.json', import.meta.url), 'utf8')) as { devices: Array<{ family: string }> };
const kept = existing.devices.filter((device) => !drafted.has(device.family));
const observerSalt = createHmac('sha256', fleetKey).update('salt:observer').digest().subarray(0, 16);
const registry = parseRegistry({
  version: 1,
  // One name a language (issue 22 item 1: a zh report's title read "罗湖区 Luohu District, Shenzhen").
  district: '罗湖区',
  districtEn: 'Luohu District, Shenzhen',
  streets: streets.map(({ id, name, nameEn }) => ({ id, name, nameEn })),
  devices: [...devices, ...kept],
  observers: [{ id: 'observer', role: 'observer', secretHash: await hashSecret(simulatedDeviceSecret(fleetKey, 'observer'), observerSalt) }],
});
await writeFile(new URL('../seeds/devices.json', import.meta.url), `${JSON.stringify(registry, null, 2)}\n`);
console.log(`seeds/devices.json: ${registry.devices.length} devices, ${registry.observers.length} observer(s)`);
