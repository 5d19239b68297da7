import { z } from 'zod';
import { familyIds, getFamily } from '../families/index.ts';
import { deviceIdPattern } from '../topics.ts';

const slug = z.string().regex(/^[a-z0-9-]{1,40}$/, 'lower-case letters, digits and hyphens');
const secretHash = z.string().startsWith('scrypt$');
// Device secrets are random tokens: a SHA-256 of the token is as safe as scrypt (secrets.ts).
const deviceSecretHash = z.string().regex(/^(scrypt|sha256)\$/, 'scrypt$… or sha256$…');

export const streetSchema = z.strictObject({ id: slug, name: z.string().min(1).max(20) });

export const deviceSchema = z
  .strictObject({
    id: z.string().regex(deviceIdPattern),
    family: z.enum(familyIds),
    /** The place measured: station, river section, substation/transformer, lot or road segment. */
    site: slug,
    siteName: z.string().min(1).max(60),
    street: slug,
    lat: z.number().min(22.4).max(22.7),
    lon: z.number().min(113.9).max(114.4),
    secretHash: deviceSecretHash,
    disabled: z.boolean().optional(),
    attributes: z.record(z.string(), z.unknown()),
  })
  .superRefine((device, context) => {
    const parsed = getFamily(device.family).attributes.safeParse(device.attributes);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        context.addIssue({ code: 'custom', path: ['attributes', ...issue.path], message: issue.message });
      }
    }
  });

export const observerSchema = z.strictObject({
  id: z.string().regex(deviceIdPattern),
  role: z.literal('observer'),
  secretHash,
});

export const registrySchema = z
  .strictObject({
    version: z.literal(1),
    district: z.string(),
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
    for (const [index, device] of registry.devices.entries()) {
      if (!streets.has(device.street)) {
        context.addIssue({ code: 'custom', path: ['devices', index, 'street'], message: `unknown street ${device.street}` });
      }
    }
  });

export type RegistryFile = z.infer<typeof registrySchema>;
export type DeviceRecord = z.infer<typeof deviceSchema>;
export type ObserverRecord = z.infer<typeof observerSchema>;
