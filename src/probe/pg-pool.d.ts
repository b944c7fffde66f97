// pg-pool ships no types; this declares only the part the pool probe drives (with a fake client class).
declare module 'pg-pool' {
  import { EventEmitter } from 'node:events';

  interface PoolOptions<C> {
    Client: new (options: unknown) => C;
    max: number;
    connectionTimeoutMillis?: number;
    idleTimeoutMillis?: number;
  }

  type Released<C> = C & { release(error?: Error | boolean): void };

  class Pool<C> extends EventEmitter {
    constructor(options: PoolOptions<C>);
    connect(): Promise<Released<C>>;
    end(): Promise<void>;
    readonly totalCount: number;
    readonly waitingCount: number;
  }

  export default Pool;
}
