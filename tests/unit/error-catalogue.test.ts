import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../services/errors.ts';

describe('the error catalogue', () => {
  it('has exactly one README row per code, with the same status', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| `(WX_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((match) => [match[1], Number(match[2])]);
    expect(rows).toEqual(Object.entries(errorCatalogue).map(([code, entry]) => [code, entry.status]));
  });
});
