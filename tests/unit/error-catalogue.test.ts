import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../services/errors.ts';

describe('the error catalogue', () => {
  it('has exactly one row per code in docs/errors.md, with the same status', async () => {
    const page = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...page.matchAll(/^\| `(WX_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((match) => [match[1], Number(match[2])]);
    expect(rows).toEqual(Object.entries(errorCatalogue).map(([code, entry]) => [code, entry.status]));
  });
});
