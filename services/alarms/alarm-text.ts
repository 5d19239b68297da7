import type { DeviceRecord } from '../registry/registry-schema.ts';
import type { AlarmRule } from './rule-schema.ts';

export interface AlarmTextInput {
  readonly value: number | null;
  readonly limit: number | null;
  readonly format?: (value: number, language: 'zh' | 'en') => string;
  /** The band the value is in (an AQI's HJ 633 category), for {category}. */
  readonly category?: (value: number, language: 'zh' | 'en') => string;
}

const show = (value: number | null, language: 'zh' | 'en', format?: AlarmTextInput['format']): string => {
  if (value === null) return '—';
  return format ? format(value, language) : String(Math.round(value * 10) / 10);
};

/**
 * A rule's Chinese and English texts with {site}, {device}, {value}, {limit} and {category} filled
 * in. The registry's site names are Chinese: the English text names the device by its (pinyin) id
 * (the wall puts its English place name there); the Chinese one by its registered name, never its
 * id (audit of issue 21: "设备air-qingshuihe已3分钟无数据").
 */
export function alarmTexts(rule: AlarmRule, device: DeviceRecord | undefined, deviceId: string, input: AlarmTextInput): { textZh: string; textEn: string } {
  const fill = (template: string, english: boolean) =>
    template.replace(/\{(site|device|value|limit|category)\}/g, (_, key: string) => {
      if (key === 'site' || key === 'device') return english ? deviceId : (device?.siteName ?? deviceId);
      const language = english ? 'en' : 'zh';
      if (key === 'category') return input.value === null || !input.category ? '—' : input.category(input.value, language);
      return show(key === 'value' ? input.value : input.limit, language, input.format);
    });
  return { textZh: fill(rule.textZh, false), textEn: fill(rule.textEn, true) };
}
