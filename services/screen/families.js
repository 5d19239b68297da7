import { addLabels, currentLanguage } from './i18n.js';
import { model } from './model.js';

// Issue 25, item 3: what the screen knows about each family comes from /api/v1/live, which takes it
// from the family modules; nothing here names a family. Hand-written panels name their own.

/** Takes the families of a /live answer: their order, presentation, and their labels into the label table. */
export function takeFamilies(groups) {
  model.familyOrder = groups.map((group) => group.family);
  for (const group of groups) {
    model.presentations[group.family] = group.presentation ?? null;
    model.fieldLabels[group.family] = group.fieldLabels ?? {};
    const p = group.presentation;
    if (!p) continue;
    addLabels({ [`family-${group.family}`]: p.shortLabel, [`familyTitle-${group.family}`]: p.label, ...p.states });
    // An alarm group is named by its rule, never its id: the module titles its rules (wall2).
    for (const [rule, title] of Object.entries(p.ruleTitles ?? {})) addLabels({ [`rule-${rule}`]: title });
    for (const [field, names] of Object.entries(p.codes ?? {})) {
      for (const name of names) if (p.codeLabels?.[field]?.[name]) addLabels({ [`code-${group.family}-${field}-${name}`]: p.codeLabels[field][name] });
    }
  }
}

export const presentationOf = (family) => model.presentations[family] ?? null;

/** A value key's name in the page's language, from the family module (the key itself if it names none). */
export const fieldLabel = (family, key) => model.fieldLabels[family]?.[key]?.[currentLanguage()] ?? key;

/** The key a device's row and sparkline show: the first headline key its reading carries (else the first with a unit). */
export function headlineKey(device) {
  const p = presentationOf(device.family);
  const keys = p?.headline ?? Object.keys(model.units[device.family] ?? {});
  return keys.find((key) => typeof device.values?.[key] === 'number') ?? keys[0] ?? null;
}

/** Families the screen draws generically: every family no hand-written panel claims. */
export function genericFamilies(handWritten) {
  return model.familyOrder.filter((family) => !handWritten.has(family));
}

/**
 * An ECharts `path://` outline as an SVG path with a first viewBox from its coordinates (for the map
 * legend); an arc bulges beyond them, so the legend measures the drawn outline (panel-map.js).
 */
export function svgOfPath(symbol) {
  if (!symbol.startsWith('path://')) return null;
  const d = symbol.slice('path://'.length);
  const numbers = (d.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);
  const xs = numbers.filter((_, i) => i % 2 === 0);
  const ys = numbers.filter((_, i) => i % 2 === 1);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  return { d, viewBox: `${minX} ${minY} ${Math.max(1, maxX - minX)} ${Math.max(1, maxY - minY)}` };
}
