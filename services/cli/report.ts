import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { ComplianceReport } from '../compliance/compliance.ts';
import { formatCsv, formatMarkdown } from '../compliance/report-format.ts';

export const reportHelp = `wanxiang report: the plan's targets for a period, as a report an officer can hand on

Options:
  --period P          2025, 2026-YTD or 2026-03 (required)
  --format F          md (Chinese and English), csv or json (default md)
  --api URL           the platform's HTTP API (default http://127.0.0.1:3000)
  --out FILE          write to FILE instead of standard output
`;

export async function reportCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      period: { type: 'string' },
      format: { type: 'string', default: 'md' },
      api: { type: 'string', default: 'http://127.0.0.1:3000' },
      out: { type: 'string' },
    },
  });
  if (!values.period) throw new Error(`--period is required\n\n${reportHelp}`);
  if (!['md', 'csv', 'json'].includes(values.format)) throw new Error(`--format must be md, csv or json, not ${values.format}`);
  const response = await fetch(`${values.api.replace(/\/$/, '')}/api/v1/compliance?period=${encodeURIComponent(values.period)}`);
  const body = (await response.json()) as ComplianceReport & { code?: string; message?: string };
  if (!response.ok) throw new Error(`${body.code ?? response.status}: ${body.message ?? 'the API refused the request'}`);
  const text = values.format === 'json' ? `${JSON.stringify(body, null, 2)}\n` : values.format === 'csv' ? formatCsv(body) : formatMarkdown(body);
  if (values.out) await writeFile(values.out, text);
  else process.stdout.write(text);
}
