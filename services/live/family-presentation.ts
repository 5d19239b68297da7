import { getFamily, type Bilingual, type FamilyId } from '../families/index.ts';

/** What the screen needs to draw a family it has no hand-written panel for (issue 25, item 3), from the family module. */
export interface PresentationLive {
  readonly label: Bilingual;
  readonly shortLabel: Bilingual;
  readonly headline: readonly string[];
  readonly symbol: string;
  readonly colour: string;
  /** State labels keyed as the live states name them (`family.state`). */
  readonly states: Readonly<Record<string, Bilingual>>;
  /** Coded fields' value names by payload key (a charger's 0 idle, 1 charging, …). */
  readonly codes: Readonly<Record<string, readonly string[]>>;
  readonly codeLabels: Readonly<Record<string, Readonly<Record<string, Bilingual>>>>;
  /** Titles of the family's alarm rules by rule id (the wall's alarm groups). */
  readonly ruleTitles: Readonly<Record<string, Bilingual>>;
}

const cache = new Map<FamilyId, PresentationLive | null>();

/** The family's presentation facts, or null for a family whose module gives none (it has a hand-written panel). */
export function presentationOf(family: FamilyId): PresentationLive | null {
  if (cache.has(family)) return cache.get(family)!;
  const spec = getFamily(family);
  const presentation = spec.presentation;
  const codes: Record<string, readonly string[]> = {};
  for (const [key, field] of Object.entries(spec.fields)) if (field.codes) codes[key] = field.codes;
  const states = Object.fromEntries(Object.entries(presentation?.states ?? {}).map(([key, label]) => [`${family}.${key}`, label]));
  const live = presentation ? { ...presentation, states, codes, codeLabels: presentation.codeLabels ?? {}, ruleTitles: presentation.ruleTitles ?? {} } : null;
  cache.set(family, live);
  return live;
}
