import { readFile } from 'node:fs/promises';
import { WanxiangError } from '../errors.ts';
import { formatZodIssues } from '../zod-issues.ts';
import { alarmRulesFileSchema, type AlarmRulesFile } from './rule-schema.ts';

/** Validates alarm rules; every problem is named at once (WX_ERR_SEED_INVALID), before anything starts. */
export function parseAlarmRules(document: unknown, source = 'alarm rules'): AlarmRulesFile {
  const parsed = alarmRulesFileSchema.safeParse(document);
  if (!parsed.success) throw new WanxiangError('WX_ERR_SEED_INVALID', `${source}: ${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

export async function loadAlarmRules(path: string): Promise<AlarmRulesFile> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new WanxiangError('WX_ERR_SEED_INVALID', `${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseAlarmRules(document, path);
}
