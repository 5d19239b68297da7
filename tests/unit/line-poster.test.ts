import { describe, expect, it } from 'vitest';
import { encodeBody } from '../../services/storage/line-poster.ts';

describe('InfluxDB write bodies encoded straight from the lines', () => {
  it('holds the same bytes as the lines joined by line breaks, multi-byte text included', () => {
    const lines = ['air_quality,device=a pm25_ugm3=35.2 1', 'noise,site=罗湖口岸 leq_dba=61.5 2', '', 'm,t=😀 f=1i 3', 'x'];
    expect(encodeBody(lines).equals(Buffer.from(lines.join('\n'), 'utf8'))).toBe(true);
    expect(encodeBody(lines.join('\n')).equals(Buffer.from(lines.join('\n'), 'utf8'))).toBe(true);
    expect(encodeBody([]).length).toBe(0);
    expect(encodeBody(['one']).toString()).toBe('one');
  });
});
