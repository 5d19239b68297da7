import type { DeviceRecord } from '../registry/registry-schema.ts';
import type { AlarmRule } from './rule-schema.ts';

export interface AlarmTextInput {
  readonly value: number | null;
  readonly limit: number | null;
  readonly format?: (value: number, language: 'zh' | 'en') => string;
}

const show = (value: number | null, language: 'zh' | 'en', format?: AlarmTextInput['format']): string => {
  if (value === null) return '—';
  return format ? format(value, language) : String(Math.round(value * 10) / 10);
};

/** A rule's Chinese and English texts with {site}, {device}, {value} and {limit} filled in. */
export function alarmTexts(rule: AlarmRule, device: DeviceRecord | undefined, deviceId: string, input: AlarmTextInput): { textZh: string; textEn: string } {
  // The registry's site names are Chinese: the English text names the device by its (pinyin) id instead.
  const fill = (template: string, english: boolean) =>
    template.replace(/\{(site|device|value|limit)\}/g, (_, key: string) => {
      if (key === 'site') return english ? deviceId : (device?.siteName ?? deviceId);
      if (key === 'device') return deviceId;
      return show(key === 'value' ? input.value : input.limit, english ? 'en' : 'zh', input.format);
    });
  return { textZh: fill(rule.textZh, false), textEn: fill(rule.textEn, true) };
}
