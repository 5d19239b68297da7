import { describe, expect, it } from 'vitest';
import { encodePoint, escapeKey, escapeMeasurement } from '../../services/storage/line-protocol.ts';

describe('line protocol encoding', () => {
  it('escapes commas and spaces in measurements; commas, equals and spaces in keys and tag values', () => {
    expect(escapeMeasurement('air quality,x')).toBe('air\\ quality\\,x');
    expect(escapeKey('a,b=c d')).toBe('a\\,b\\=c\\ d');
    expect(escapeKey('quote"d')).toBe('quote"d');
    expect(() => escapeKey('back\\slash')).toThrow(expect.objectContaining({ code: 'WX_ERR_UNENCODABLE' }));
  });

  it('writes sorted tags, typed fields and a millisecond timestamp', () => {
    const line = encodePoint({
      measurement: 'parking',
      tags: { street: 'dong men', device: 'p,1', site: '' },
      fields: [['occupied_spaces', 12, 'int'], ['occupancy_pct', 12.5, 'float']],
      timeMs: 1_700_000_000_123,
    });
    expect(line).toBe('parking,device=p\\,1,street=dong\\ men occupied_spaces=12i,occupancy_pct=12.5 1700000000123');
  });

  it.each([
    ['a newline in a tag value', { tags: { device: 'a\nb' } }],
    ['a trailing backslash in a tag value', { tags: { device: 'a\\' } }],
    ['an empty field key', { fields: [['', 1, 'float']] }],
    ['NaN', { fields: [['x', Number.NaN, 'float']] }],
    ['Infinity', { fields: [['x', Number.POSITIVE_INFINITY, 'float']] }],
    ['a fractional int', { fields: [['x', 1.5, 'int']] }],
    ['no field', { fields: [] }],
    ['a fractional timestamp', { timeMs: 1.5 }],
  ])('refuses %s with WX_ERR_UNENCODABLE', (_name, override) => {
    const point = { measurement: 'm', tags: { device: 'd' }, fields: [['x', 1, 'float']] as Array<[string, number, 'float' | 'int']>, timeMs: 1, ...override };
    expect(() => encodePoint(point as Parameters<typeof encodePoint>[0])).toThrow(expect.objectContaining({ code: 'WX_ERR_UNENCODABLE' }));
  });
});
