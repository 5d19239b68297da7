import { z } from 'zod';
import { familyIds, getFamily } from '../families/index.ts';
import { deviceIdPattern } from '../topics.ts';

const slug = z.string().regex(/^[a-z0-9-]{1,40}$/, 'lower-case letters, digits and hyphens');
const secretHash = z.string().startsWith('scrypt$');
// Device secrets are random tokens: a SHA-256 of the token is as safe as scrypt (secrets.ts).
const deviceSecretHash = z.string().regex(/^(scrypt|sha256)\$/, 'scrypt$… or sha256$…');

/**
 * A station speaking HJ 212 over TCP (issue 20): its MN, its PW (stored as a hash like every
 * secret), which CRCs it may send, and the per-device alias and unit map that every door
 * applies (services/ingest/device-mapping.ts), MQTT JSON payloads included.
 */
export const hj212Schema = z.strictObject({
  /** HJ 212 MN: 14-24 characters in practice, opaque; no separator of the data segment (`;` `,` `=` `&`). */
  mn: z.string().regex(/^[\x21-\x7e]{1,64}$/).refine((mn) => !/[;,=&]/.test(mn), 'no ; , = or & in an MN'),
  pwHash: secretHash,
  /** strict: HJ 212 Appendix A only; compat: also CRC-16/ARC and CRC-16/MODBUS (byte-swapped or not), and tails other than CR LF. */
  crc: z.enum(['strict', 'compat']).default('strict'),
  /** Vendor code → HJ 212 code or family field key (`PM25` → `a34004`, `TEMP` → `temperature`). */
  codes: z.record(z.string().min(1).max(32), z.string().min(1).max(32)).optional(),
  /** Family field key or HJ 212 code → factor into the family's unit (CO sent in µg/m³: `co: 0.001`). */
  units: z.record(z.string().min(1).max(32), z.number().positive().finite()).optional(),
  /** Devices at the same site whose families' codes this station also sends (an air station's LA → a noise device). */
  colocated: z.array(z.string().regex(deviceIdPattern)).max(8).optional(),
  /** Answer packets without a Flag (HJ/T 212-2005 loggers that wait for a 9014; reference/hj212.md §3). */
  answerFlagless: z.boolean().optional(),
  /** The zone of the logger's DataTime, minutes east of UTC (default 480, China Standard Time; reference/hj212.md §4). */
  utcOffsetMinutes: z.number().int().min(-720).max(840).optional(),
});

/** A street (街道): its Chinese name and, for English documents, its registered English one. */
export const streetSchema = z.strictObject({ id: slug, name: z.string().min(1).max(20), nameEn: z.string().min(1).max(40).optional() });

export const deviceSchema = z
  .strictObject({
    id: z.string().regex(deviceIdPattern),
    family: z.enum(familyIds),
    /** The place measured: station, river section, substation/transformer, lot or road segment. */
    site: slug,
    siteName: z.string().min(1).max(60),
    /** The place's registered English name, which English reports and the screen print (issue 22 item 1). */
    siteNameEn: z.string().min(1).max(80).optional(),
    street: slug,
    lat: z.number().min(22.4).max(22.7),
    lon: z.number().min(113.9).max(114.4),
    secretHash: deviceSecretHash,
    disabled: z.boolean().optional(),
    attributes: z.record(z.string(), z.unknown()),
    hj212: hj212Schema.optional(),
    /**
     * How often the device reports, when it differs from its family's default (an HJ 212 station set to
     * 1 min, 5 min or 1 h). Coverage counts the readings an hour or night should hold against it (issue 22 item 5).
     */
    reportIntervalMs: z.number().int().min(1_000).max(86_400_000).optional(),
  })
  .superRefine((device, context) => {
    const parsed = getFamily(device.family).attributes.safeParse(device.attributes);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        context.addIssue({ code: 'custom', path: ['attributes', ...issue.path], message: issue.message });
      }
    }
  })
  // The family's attributes as its schema gives them, defaults filled in: a depth gauge registered
  // without levels was judged "caution" by the rules (their own fallback) but never on the wall or
  // in the rollups, which read the raw record (issue 25 audit). Runs only on a valid device.
  .transform((device) => ({ ...device, attributes: getFamily(device.family).attributes.parse(device.attributes) as Record<string, unknown> }));

export const observerSchema = z.strictObject({
  id: z.string().regex(deviceIdPattern),
  role: z.literal('observer'),
  secretHash,
});

export const registrySchema = z
  .strictObject({
    version: z.literal(1),
    /** The district's name in Chinese (罗湖区), and in English for English documents. */
    district: z.string(),
    districtEn: z.string().optional(),
    streets: z.array(streetSchema).min(1),
    devices: z.array(deviceSchema),
    observers: z.array(observerSchema),
  })
  .superRefine((registry, context) => {
    const streets = new Set(registry.streets.map((street) => street.id));
    const ids = new Set<string>();
    for (const [index, entry] of [...registry.devices, ...registry.observers].entries()) {
      if (ids.has(entry.id)) context.addIssue({ code: 'custom', path: ['devices', index, 'id'], message: `duplicate id ${entry.id}` });
      ids.add(entry.id);
    }
    const stationMns = new Set<string>();
    for (const [index, device] of registry.devices.entries()) {
      if (device.hj212 && stationMns.has(device.hj212.mn)) context.addIssue({ code: 'custom', path: ['devices', index, 'hj212', 'mn'], message: `duplicate HJ 212 MN ${device.hj212.mn}` });
      if (device.hj212) stationMns.add(device.hj212.mn);
      if (!streets.has(device.street)) {
        context.addIssue({ code: 'custom', path: ['devices', index, 'street'], message: `unknown street ${device.street}` });
      }
    }
  });

export type RegistryFile = z.infer<typeof registrySchema>;
export type DeviceRecord = z.infer<typeof deviceSchema>;
export type ObserverRecord = z.infer<typeof observerSchema>;
