import { currentLanguage } from './i18n.js';

// English names of places. The registry's own English name (siteNameEn) wins where it has one; ids
// are pinyin slugs, which read as names for streets and stations but not for hospitals or
// landmarks (issue 21: "Tcm Hospital", two "People Hospital"), which are named here.
const englishOfSite = {
  'lot-people-hospital': 'Luohu People’s Hospital',
  'lot-sz-people-hospital': 'Shenzhen People’s Hospital',
  'lot-tcm-hospital': 'Luohu Hospital of TCM',
  'lot-maternity-hospital': 'Luohu Maternity & Child Hospital',
  'lot-kingkey-100': 'KK100',
  'lot-diwang': 'Diwang Tower',
  'lot-guomao': 'Guomao Building',
  'lot-caiwuwei-finance': 'Caiwuwei Finance Centre',
  'lot-mixc': 'MixC',
  'lot-dongmen-street': 'Dongmen Pedestrian Street',
  'lot-luohu-station': 'Luohu Railway Station',
  'reservoir-flood-river-mouth': 'Reservoir Flood Channel mouth',
  'shenzhen-reservoir': 'Shenzhen Reservoir',
};

const words = (slug) => slug.split('-').map((w) => (/^\d+$/.test(w) ? `No. ${w}` : w.charAt(0).toUpperCase() + w.slice(1))).join(' ');

function englishFromId(device) {
  const site = device.site ?? device.id;
  if (englishOfSite[site]) return englishOfSite[site];
  if (device.family === 'air') return `${words(site.replace(/^aqs-/, ''))} station`;
  if (device.family === 'grid') {
    const sub = words(String(device.attributes?.substation ?? ''));
    return device.attributes?.level === 'substation' ? `${sub} substation` : `${sub} T${device.id.split('-t').pop()}`;
  }
  return words(site.replace(/^(lot|sub)-/, '').replace(/-road-(\d+)$/, '-road-$1'));
}

/** A device's place in the screen's language. */
export function placeName(device) {
  if (!device) return '';
  // The air panel's title says 监测站: a station row names its place (桂园站), not the whole title again.
  if (currentLanguage() === 'zh') return device.family === 'air' ? device.siteName.replace(/空气质量监测站$/, '站') : device.siteName;
  return device.siteNameEn ?? englishFromId(device);
}

/** A street's name in the screen's language (registry: Chinese name and a pinyin id). */
export function streetName(street) {
  if (!street) return '';
  return currentLanguage() === 'zh' ? street.name : street.nameEn ?? words(street.id);
}

/** A substation's short name (蔡屋围 / Caiwuwei) for the load strip's groups. */
export function substationName(device) {
  if (currentLanguage() === 'zh') return device.siteName.replace(/变电站$/, '');
  return words(String(device.attributes?.substation ?? device.id));
}
