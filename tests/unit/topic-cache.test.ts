import { describe, expect, it } from 'vitest';
import { createTopicCache } from '../../services/ingest/topic-cache.ts';
import { createTopics } from '../../services/topics.ts';

describe('topics parsed once per topic string (the ingest hot path)', () => {
  const topics = createTopics('luohu');
  const samples = ['luohu/v1/air/AQ-001/telemetry', 'luohu/v1/water/WQ-002/status', 'luohu/v1/air/AQ-001/telemetry', 'luohu/v2/air/AQ-001/telemetry', 'luohu/v1/air/a+b/telemetry', 'x', 'luohu/v1/air/AQ-001/telemetry/extra', 'luohu/v1/noon/N-1/telemetry'];

  it('answers exactly what topics.parse answers, bad topics included', () => {
    const parse = createTopicCache(topics);
    for (const topic of [...samples, ...samples]) expect(parse(topic)).toEqual(topics.parse(topic));
  });

  it('keeps only well-formed topics and starts over at its bound, so hostile topics cannot grow it', () => {
    const parse = createTopicCache(topics, 3);
    for (let n = 0; n < 50; n += 1) {
      expect(parse(`luohu/v1/air/D-${n}/telemetry`)).toEqual({ family: 'air', deviceId: `D-${n}`, kind: 'telemetry' });
      expect(parse(`garbage/${n}`)).toBeNull();
    }
  });
});
