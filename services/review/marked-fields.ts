import { derivedFrom, getFamily, isFamilyId } from '../families/index.ts';
import type { MarkRecord } from './mark-schema.ts';

type MarkScope = Pick<MarkRecord, 'family' | 'fields'>;

/**
 * The derived fields a mark takes out beside the raw fields the officer named: each field its family
 * computes at the door from one of them (a mark of `active_kw` takes `load_rate_pct`, of
 * `occupied_spaces` takes `occupancy_pct`; services/families/define-family.ts `derivedFields[…].from`).
 * A value computed from an invalid one is no more valid (HJ 818's review). A mark of every field, or
 * of a derived field alone, takes nothing more. Read from the family as it is now, never stored:
 * the record keeps what the officer sent.
 */
export function derivedFieldsOf(mark: MarkScope): string[] {
  if (mark.fields.length === 0 || !isFamilyId(mark.family)) return [];
  return derivedFrom(getFamily(mark.family), mark.fields);
}

/** Every field a mark takes out of a reading it covers; empty: the whole reading (a mark of every field). */
export function fieldsTakenOut(mark: MarkScope): string[] {
  return mark.fields.length === 0 ? [] : [...mark.fields, ...derivedFieldsOf(mark)];
}

/** A mark as the API, the page and the reports show it: what the officer sent, and the derived fields it also takes out. */
export function withDerivedFields<T extends MarkScope>(mark: T): T & { readonly derivedFields: string[] } {
  return { ...mark, derivedFields: derivedFieldsOf(mark) };
}
