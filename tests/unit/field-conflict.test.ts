import { describe, expect, it } from 'vitest';
import { conflictReason, fieldConflictsIn, splitFields } from '../../services/storage/field-conflict.ts';
import { encodePoint } from '../../services/storage/line-protocol.ts';

describe('field type conflicts as InfluxDB names them', () => {
  it('reads 1.x (as influxd 1.6.7 answers, and with the database named after it)', () => {
    expect(fieldConflictsIn('{"error":"partial write: field type conflict: input field \\"pm25_ugm3\\" on measurement \\"air_quality\\" is type float, already exists as type string dropped=1"}\n'))
      .toEqual([{ field: 'pm25_ugm3', type: 'float', existingType: 'string' }]);
    expect(fieldConflictsIn('{"error":"partial write: field type conflict: input field \\"temp_cpu\\" on measurement \\"usg\\" is type integer, already exists as type float dropped=1 for database: unpoller for retention policy: autogen"}'))
      .toEqual([{ field: 'temp_cpu', type: 'integer', existingType: 'float' }]);
    // A key with a space, unescaped in the answer as InfluxDB names it.
    expect(fieldConflictsIn('{"error":"partial write: field type conflict: input field \\"p m\\" on measurement \\"air q\\" is type string, already exists as type float dropped=1"}'))
      .toEqual([{ field: 'p m', type: 'string', existingType: 'float' }]);
  });

  it('reads 2.x (its JSON message) and 3.x (expected is the database type, got the line type)', () => {
    expect(fieldConflictsIn('{"code":"unprocessable entity","message":"failure writing points to database: partial write: field type conflict: input field \\"NS\\" on measurement \\"query_types\\" is type integer, already exists as type float dropped=1"}'))
      .toEqual([{ field: 'NS', type: 'integer', existingType: 'float' }]);
    expect(fieldConflictsIn(JSON.stringify({ error: 'partial write of line protocol occurred', data: [{ original_line: 'air_quality pm25_ugm3=1', line_number: 1, error_message: "invalid column type for column 'pm25_ugm3', expected iox::column_type::field::string, got iox::column_type::field::float" }] })))
      .toEqual([{ field: 'pm25_ugm3', type: 'float', existingType: 'string' }]);
  });

  it('reads an answer that is not JSON (cut short), and names nothing for other refusals', () => {
    expect(fieldConflictsIn('{"error":"partial write: field type conflict: input field \\"o3_ugm3\\" on measurement \\"air_quality\\" is type float, already exists as type integer drop'))
      .toEqual([{ field: 'o3_ugm3', type: 'float', existingType: 'integer' }]);
    expect(fieldConflictsIn('{"error":"unable to parse \'this is not line protocol\': invalid field format"}')).toEqual([]);
    // A tag and a field of one name (3.x) is no field type conflict.
    expect(fieldConflictsIn(JSON.stringify({ error: 'x', data: [{ error_message: "invalid column type for column 't', expected iox::column_type::tag, got iox::column_type::field::float" }] }))).toEqual([]);
  });
});

describe('a line without some of its fields', () => {
  it('takes a field out of a line the family encoder writes, keeping series and time', () => {
    const line = 'air_quality,device=air-a,street=s pm25_ugm3=12.5,pm10_ugm3=40,o3_ugm3=3,recv_lag_ms=12i 1700000000000';
    expect(splitFields(line, ['pm10_ugm3'])).toEqual({
      kept: 'air_quality,device=air-a,street=s pm25_ugm3=12.5,o3_ugm3=3,recv_lag_ms=12i 1700000000000',
      refused: 'air_quality,device=air-a,street=s pm10_ugm3=40 1700000000000',
      keptFields: 3,
      keptKeys: ['pm25_ugm3', 'o3_ugm3', 'recv_lag_ms'],
      measurement: 'air_quality',
    });
  });

  it('reads quoted strings with escaped quotes, commas, spaces and equals signs, and escaped keys and tags', () => {
    const line = encodePoint({
      measurement: 'hj 212,unknown',
      tags: { device: 'a b,c=d', interval: 'hour' },
      fields: [['items', 'a34006-Avg=2.6,"x" y\\z', 'string'], ['odd key,=x', 1, 'float'], ['cn', '2061', 'string'], ['recv_lag_ms', 0, 'int']],
      timeMs: 1700000000000,
    });
    const split = splitFields(line, ['cn', 'odd key,=x'])!;
    expect(split.kept).toBe(encodePoint({ measurement: 'hj 212,unknown', tags: { device: 'a b,c=d', interval: 'hour' }, fields: [['items', 'a34006-Avg=2.6,"x" y\\z', 'string'], ['recv_lag_ms', 0, 'int']], timeMs: 1700000000000 }));
    expect(split.refused).toBe(encodePoint({ measurement: 'hj 212,unknown', tags: { device: 'a b,c=d', interval: 'hour' }, fields: [['odd key,=x', 1, 'float'], ['cn', '2061', 'string']], timeMs: 1700000000000 }));
    expect(split.measurement).toBe('hj 212,unknown');
    expect(splitFields(line, ['items'])!.refused).toContain('items="a34006-Avg=2.6,\\"x\\" y\\\\z"');
  });

  it('refuses to split when nothing would be left, a named field is not in the line, or the line is not line protocol', () => {
    expect(splitFields('m,d=x v=1 5', ['v'])).toBeNull();
    expect(splitFields('m,d=x v=1,w=2 5', ['u'])).toBeNull();
    expect(splitFields('this is not line protocol', ['is'])).toBeNull();
    expect(splitFields('m v="open', ['v'])).toBeNull();
  });

  it('says which field, its type and the type the database holds', () => {
    expect(conflictReason({ field: 'pm25_ugm3', type: 'float', existingType: 'string' }, 'air_quality', 5))
      .toBe('InfluxDB refused field "pm25_ugm3" of measurement "air_quality": it is float in this point and the database already has it as string (field type conflict); the point\'s other 5 fields were written');
  });
});
