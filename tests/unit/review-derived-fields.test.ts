import { describe, expect, it } from 'vitest';
import type { ComplianceReport, ReviewMarkSummary } from '../../services/compliance/compliance.ts';
import { reviewSection } from '../../services/compliance/review-section.ts';
import { applyMarks, withoutMarked } from '../../services/review/effective-marks.ts';
import type { MarkRecord } from '../../services/review/mark-schema.ts';
import { derivedFieldsOf, fieldsTakenOut, withDerivedFields } from '../../services/review/marked-fields.ts';

// A mark of a raw field takes the fields derived from it at the door (a transformer's load rate from
// its active power, a lot's occupancy from its counts); a mark of the derived field alone keeps the raw.
const mark = (family: string, fields: string[], fromMs = 0, toMs = 100): MarkRecord => ({
  action: 'mark', id: `m-${family}-${fields.join('-')}`, devices: ['d1'], site: null, family, fromMs, toMs, fields, reason: 'fault', flag: 'D', comment: '', by: 'officer', atMs: 0,
});
const gridRow = (time: number) => ({ time, fields: { active_kw: 500, reactive_kvar: 300, voltage_kv: 10.4, load_rate_pct: 92.6 } });
const lotRow = (time: number) => ({ time, fields: { total_spaces: 420, occupied_spaces: 380, entries: 4, occupancy_pct: 90.5 } });

describe('review marks and derived fields', () => {
  it('takes the load rate out with the active power, the reactive power or the power factor', () => {
    for (const raw of ['active_kw', 'reactive_kvar', 'power_factor']) {
      expect(withoutMarked([gridRow(10)], [mark('grid', [raw])])[0]!.fields, raw).not.toHaveProperty('load_rate_pct');
    }
    expect(withoutMarked([gridRow(10)], [mark('grid', ['active_kw'])])).toEqual([{ time: 10, fields: { reactive_kvar: 300, voltage_kv: 10.4 } }]);
  });

  it('keeps the load rate for a mark of a field it is not computed from, and outside the period', () => {
    expect(withoutMarked([gridRow(10)], [mark('grid', ['voltage_kv'])])[0]!.fields).toEqual({ active_kw: 500, reactive_kvar: 300, load_rate_pct: 92.6 });
    expect(withoutMarked([gridRow(100)], [mark('grid', ['active_kw'])])).toEqual([gridRow(100)]);
  });

  it('keeps the raw fields when only the derived field is marked (as before)', () => {
    expect(withoutMarked([gridRow(10)], [mark('grid', ['load_rate_pct'])])).toEqual([{ time: 10, fields: { active_kw: 500, reactive_kvar: 300, voltage_kv: 10.4 } }]);
    expect(withoutMarked([lotRow(10)], [mark('parking', ['occupancy_pct'])])).toEqual([{ time: 10, fields: { total_spaces: 420, occupied_spaces: 380, entries: 4 } }]);
  });

  it('takes the occupancy out with either count, per device through applyMarks', () => {
    const rows = new Map([['d1', [lotRow(10), lotRow(200)]], ['d2', [lotRow(10)]]]);
    const applied = applyMarks(rows, [mark('parking', ['occupied_spaces'])]);
    expect(applied.get('d1')).toEqual([{ time: 10, fields: { total_spaces: 420, entries: 4 } }, lotRow(200)]);
    expect(applied.get('d2')).toEqual([lotRow(10)]);
    expect(withoutMarked([lotRow(10)], [mark('parking', ['total_spaces'])])[0]!.fields).toEqual({ occupied_spaces: 380, entries: 4 });
  });

  it('says what a mark takes beside what the officer named, and keeps a mark of every field as it was', () => {
    expect(derivedFieldsOf(mark('grid', ['active_kw', 'voltage_kv']))).toEqual(['load_rate_pct']);
    expect(fieldsTakenOut(mark('grid', ['active_kw']))).toEqual(['active_kw', 'load_rate_pct']);
    expect(fieldsTakenOut(mark('grid', []))).toEqual([]);
    expect(derivedFieldsOf(mark('air', ['pm25_ugm3']))).toEqual([]);
    expect(derivedFieldsOf(mark('retired-family', ['x']))).toEqual([]);
    const shown = withDerivedFields(mark('parking', ['occupied_spaces']));
    expect(shown).toMatchObject({ fields: ['occupied_spaces'], derivedFields: ['occupancy_pct'] });
    expect(withoutMarked([gridRow(10)], [mark('grid', [])])).toEqual([]);
  });

  it('names the derived fields a mark takes out in the report\'s list of marks, in both languages', () => {
    const summary: ReviewMarkSummary = { id: 'm-1', devices: ['grid-buxin-t1'], from: '2025-03-10T01:00:00.000Z', to: '2025-03-10T05:00:00.000Z', fields: ['active_kw'], derivedFields: ['load_rate_pct'], reason: 'fault', flag: 'D', comment: '', by: 'officer', places: [{ zh: '布心 1 号配变', en: 'Buxin T1' }] };
    const report = { targets: [{ nameZh: '重载配变数量', nameEn: 'Heavily loaded transformers', reviewMarks: [summary] }] } as unknown as ComplianceReport;
    expect(reviewSection(report, 'en').join('\n')).toContain('active_kw (and load_rate_pct, computed from it)');
    expect(reviewSection(report, 'zh').join('\n')).toContain('active_kw（及由其计算的 load_rate_pct）');
    // A summary from a platform before derivedFields: the fields alone.
    const older = { targets: [{ nameZh: 'x', nameEn: 'x', reviewMarks: [{ ...summary, derivedFields: undefined }] }] } as unknown as ComplianceReport;
    expect(reviewSection(older, 'en').join('\n')).toMatch(/Beijing time\), active_kw; reason/);
  });
});
