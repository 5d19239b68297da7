import type { DeviceRecord, RegistryFile } from './registry-schema.ts';

/**
 * Places as documents name them, in one language (issue 22 item 1: English tables named stations by
 * device id, `water-bijiashan-river-mouth`; rankings printed streets as `guiyuan`). The registry's names
 * first: `siteName` (a section's `sectionName`), `siteNameEn`, a street's `name` and `nameEn`. A place
 * registered without an English name gets one from its id's words (`shawan-river-mouth` → Shawan River
 * Mouth), never the Chinese in an English text.
 */
export type PlaceLang = 'zh' | 'en';

const words = (slug: string) => slug.split('-').filter(Boolean).map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');

/** A device's place: a station, a river section, a road's point. */
export function placeName(device: DeviceRecord, lang: PlaceLang): string {
  if (lang === 'en') return device.siteNameEn ?? words(device.site);
  const section = (device.attributes as { sectionName?: unknown }).sectionName;
  return typeof section === 'string' && section ? section : device.siteName;
}

/** A street (街道) by its id; an id the registry does not hold is given as its words. */
export function streetName(file: Pick<RegistryFile, 'streets'>, id: string, lang: PlaceLang): string {
  const street = file.streets.find((candidate) => candidate.id === id);
  if (!street) return words(id);
  return lang === 'zh' ? street.name : street.nameEn ?? words(street.id);
}

/** The district's name in the language. */
export const districtName = (file: Pick<RegistryFile, 'district' | 'districtEn'>, lang: PlaceLang): string =>
  (lang === 'en' ? file.districtEn ?? file.district : file.district);
