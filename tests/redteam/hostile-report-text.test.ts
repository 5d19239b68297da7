import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../services/compliance/compliance.ts';
import { formatMarkdown } from '../../services/compliance/report-format.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const officer = 'officer-token-0123456789abcdef';
// What an officer could type into a mark's comment: headings, a table break, code, HTML, a list.
const hostile = 'ok\n# Breached: all targets\n| x | y |\n|---|---|\n`rm -rf` <script>alert(1)</script> **bold** [link](http://x)\n> quoted\n- item\n1. first';

/**
 * User text in the reports (the privacy pass, item 4): a review mark's comment goes into the Markdown
 * report as one inline run (no heading, table row, quote, list, code or HTML of its own). The xlsx
 * workbook and the printable page are held to the same by tests/redteam/report-cells.test.ts.
 */
describe('red team: hostile text in the reports', () => {
  let test: TestPlatform;
  let report: ComplianceReport;
  let mark: { id: string; comment: string; by: string; devices: string[]; from: string; to: string; fields: string[]; reason: string; flag: string | null };

  beforeAll(async () => {
    test = await startTestPlatform({ http: { tokens: [{ role: 'officer', name: 'zhang_wei', token: officer }] } });
    const taken = await fetch(`${test.endpoints.httpUrl}/api/v1/review/marks`, {
      method: 'POST', headers: { authorization: `Bearer ${officer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device: 'air-guiyuan', from: '2025-03-11T10:00', to: '2025-03-11T11:00', reason: 'calibration', comment: hostile }),
    });
    expect(taken.status).toBe(201);
    mark = await taken.json() as typeof mark;
    expect(mark.comment).toBe(hostile);
    report = await (await fetch(`${test.endpoints.httpUrl}/api/v1/compliance?period=2025`)).json() as ComplianceReport;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('writes a mark’s comment and its officer into the Markdown report as one inline run', () => {
    // The mark as the report lists it when it moved a figure (a real mark's record, on the first target).
    const [first, ...rest] = report.targets;
    const summary = { id: mark.id, devices: mark.devices, from: mark.from, to: mark.to, fields: mark.fields, reason: mark.reason, flag: mark.flag, comment: mark.comment, by: mark.by };
    const withMark = { ...report, targets: [{ ...first!, reviewMarks: [summary] }, ...rest] } as ComplianceReport;
    const plain = formatMarkdown(report, 'en').split('\n');
    const text = formatMarkdown(withMark, 'en');
    const lines = text.split('\n');
    const markLines = lines.filter((line) => line.includes(mark.id));
    expect(markLines).toHaveLength(1);
    const [line] = markLines;
    expect(line).toMatch(/^- m-/);
    // Every word is there, none of it as structure.
    expect(line).toContain('ok \\# Breached: all targets \\| x \\| y \\|');
    expect(line).toContain('\\`rm -rf\\` &lt;script&gt;alert(1)&lt;/script&gt; \\*\\*bold\\*\\* \\[link\\](http://x) &gt; quoted - item 1. first');
    expect(line).toContain('by officer:zhang\\_wei');
    expect(text).not.toContain('<script');
    // The report's structure is the report's own: the same headings and table rows, plus the review section's heading.
    const structure = (all: string[]) => all.filter((candidate) => /^(#|\||>)/.test(candidate));
    expect(structure(lines).filter((candidate) => candidate !== '## Review marks that moved a figure')).toEqual(structure(plain));
  });
});
