import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { envBindings } from '../../services/config-env.ts';
import { configurationPagePath, renderConfigurationPage } from '../../scripts/config-doc.ts';

describe('docs/configuration.md', () => {
  it('is what the configuration schema and its variables generate (npm run docs:config)', async () => {
    expect(await readFile(configurationPagePath, 'utf8')).toBe(renderConfigurationPage());
  });

  it('names every variable services/config.ts reads, each bound to a setting of the schema', () => {
    const page = renderConfigurationPage();
    for (const binding of envBindings) expect(page).toContain(`| \`${binding.env}\` | \`${binding.path}\``);
    expect(page).not.toMatch(/\| `[A-Z_]+` \| `[^`]+` \| any \|/);
  });
});
