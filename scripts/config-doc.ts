/**
 * docs/configuration.md, generated from the configuration schema and the environment bindings
 * (services/config.ts): `npm run docs:config` writes it, tests/unit/configuration-doc.test.ts
 * fails when the committed page differs from what this prints.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { envBindings } from '../services/config-env.ts';
import { configSchema } from '../services/config.ts';

interface JsonSchemaNode {
  type?: string | string[];
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  pattern?: string;
  format?: string;
  items?: JsonSchemaNode;
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
}

interface Setting {
  readonly path: string;
  readonly node: JsonSchemaNode;
}

/** Leaves of the schema in declaration order; objects are walked, arrays and scalars are leaves. */
function settingsOf(node: JsonSchemaNode, prefix = ''): Setting[] {
  if (node.type === 'object' && node.properties && !Array.isArray(node.type)) {
    return Object.entries(node.properties).flatMap(([key, child]) => settingsOf(child, prefix ? `${prefix}.${key}` : key));
  }
  return [{ path: prefix, node }];
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const code = (value: unknown) => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

function typeOf(node: JsonSchemaNode): string {
  if (node.enum) return node.enum.map(code).join(' | ');
  if (node.anyOf) return node.anyOf.map(typeOf).join(' or ');
  if (node.type === 'array') return node.items?.type === 'object' ? 'list of objects' : `list of ${typeOf(node.items ?? {})}`;
  if (node.format === 'uri') return 'URL';
  return String(node.type ?? 'any');
}

function rangeOf(node: JsonSchemaNode): string {
  const parts: string[] = [];
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${node.exclusiveMinimum}`);
  if (node.minimum !== undefined) parts.push(`≥ ${node.minimum}`);
  if (node.maximum !== undefined && node.maximum < MAX_SAFE) parts.push(`≤ ${node.maximum}`);
  if (node.minLength !== undefined) parts.push(`length ≥ ${node.minLength}`);
  if (node.pattern) parts.push(`matches ${code(node.pattern)}`);
  return parts.join(', ');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderConfigurationPage(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const settings = settingsOf(schema);
  const byPath = new Map(settings.map((setting) => [setting.path, setting]));
  const lines = [
    '# Configuration',
    '',
    '*For whoever runs Wanxiang: every setting, its type, default and range.* This page is generated',
    'from the configuration schema (`services/config.ts`, the environment variables in `services/config-env.ts`) by `npm run docs:config`; a test fails when',
    'the two differ, so it is never out of date. A bad value stops the platform at start with',
    '`WX_ERR_CONFIG`, naming every problem at once; command-line flags (`wanxiang <command> --help`)',
    'win over the environment.',
    '',
    '## Environment variables',
    '',
    '| variable | setting | type | default | range | what it does |',
    '|---|---|---|---|---|---|',
  ];
  for (const binding of envBindings) {
    const setting = byPath.get(binding.path);
    const node = setting?.node ?? {};
    const fallback = node.default === undefined ? '' : code(node.default);
    lines.push(`| \`${binding.env}\` | \`${binding.path}\` | ${cell(typeOf(node))} | ${cell(fallback)} | ${cell(rangeOf(node))} | ${cell(binding.description)} |`);
  }
  const bound = new Set(envBindings.map((binding) => binding.path));
  lines.push(
    '',
    '## Every setting',
    '',
    'Settings without a variable are set by a command\'s flags or, for tests and embedding, by the',
    'configuration object passed to `createPlatform`.',
    '',
    '| setting | type | default | range | variable |',
    '|---|---|---|---|---|',
  );
  for (const { path, node } of settings) {
    const variable = envBindings.filter((binding) => binding.path === path).map((binding) => `\`${binding.env}\``).join(', ');
    const fallback = node.default === undefined ? '' : code(node.default);
    lines.push(`| \`${path}\` | ${cell(typeOf(node))} | ${cell(fallback)} | ${cell(rangeOf(node))} | ${bound.has(path) ? variable : ''} |`);
  }
  lines.push('');
  return lines.join('\n');
}

export const configurationPagePath = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(configurationPagePath, renderConfigurationPage());
  process.stdout.write(`wrote ${configurationPagePath}\n`);
}
