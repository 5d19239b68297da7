// aedes-persistence-redis 11 ships no type declarations; this is the part Wanxiang uses.
declare module 'aedes-persistence-redis' {
  import type { Redis, RedisOptions } from 'ioredis';

  interface AedesPersistenceRedis {
    destroy(callback?: () => void): void;
  }
  function aedesPersistenceRedis(options?: RedisOptions & { conn?: Redis; maxSessionDelivery?: number }): AedesPersistenceRedis;
  export default aedesPersistenceRedis;
}
