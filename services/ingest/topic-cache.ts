import type { DeviceTopic, Topics } from '../topics.ts';

/**
 * topics.parse, remembered per topic string: a device publishes on the same few topics all
 * day, and parsing splits the topic into five strings every time. Only well-formed topics are
 * kept, and the cache starts over past `max` entries, so hostile topics cannot grow it.
 */
export function createTopicCache(topics: Topics, max = 100_000): (topic: string) => DeviceTopic | null {
  let known = new Map<string, DeviceTopic>();
  return (topic) => {
    const cached = known.get(topic);
    if (cached !== undefined) return cached;
    const address = topics.parse(topic);
    if (address === null) return null;
    if (known.size >= max) known = new Map();
    known.set(topic, address);
    return address;
  };
}
