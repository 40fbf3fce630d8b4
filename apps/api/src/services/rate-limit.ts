/**
 * At most `limit` events per key in a fixed window, in memory (one api
 * instance). `take` answers 0 when the event is allowed, else the seconds to wait.
 */
export class FixedWindowLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly options: { limit: number; windowMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): number {
    const now = this.now();
    let window = this.#windows.get(key);
    if (!window || window.resetAt <= now) {
      if (this.#windows.size >= 100_000) this.#prune(now);
      window = { count: 0, resetAt: now + this.options.windowMs };
      this.#windows.set(key, window);
    }
    if (window.count >= this.options.limit) return Math.max(1, Math.ceil((window.resetAt - now) / 1000));
    window.count += 1;
    return 0;
  }

  #prune(now: number): void {
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key);
  }
}

/** Where a key's request count stands in its current window. */
export interface RateWindow {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When the window ends, ms since the epoch. */
  resetAt: number;
}

export interface RequestRateLimiter {
  /** Counts one request of `key`. */
  hit(key: string): Promise<RateWindow>;
  close(): Promise<void>;
}

/**
 * A fixed window per key in this process (one api instance). At most
 * `maxKeys` windows are kept: expired ones go first, and when every one is
 * live the oldest go (their keys start a fresh window: the bound wins over
 * exactness under a flood of keys).
 */
export class MemoryRateLimiter implements RequestRateLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly options: { limit: number; windowMs: number; maxKeys?: number },
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#windows.size;
  }

  async hit(key: string): Promise<RateWindow> {
    const now = this.now();
    let window = this.#windows.get(key);
    if (!window || window.resetAt <= now) {
      this.#windows.delete(key);
      const max = this.options.maxKeys ?? 100_000;
      if (this.#windows.size >= max) {
        for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
        for (const k of this.#windows.keys()) {
          if (this.#windows.size < max) break;
          this.#windows.delete(k);
        }
      }
      window = { count: 0, resetAt: now + this.options.windowMs };
      this.#windows.set(key, window);
    }
    window.count += 1;
    return verdict(window.count, this.options.limit, window.resetAt);
  }

  async close(): Promise<void> {}
}

function verdict(count: number, limit: number, resetAt: number): RateWindow {
  return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetAt };
}

/** One round trip: count the hit, start the window's expiry on the first one, and say how long it has left. */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

interface RedisLike {
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

/**
 * The same fixed window in Redis, shared by every api instance: the count and
 * its expiry change in one Lua script, so concurrent hits on any instance
 * never lose a count or leave a window without an end.
 */
export class RedisRateLimiter implements RequestRateLimiter {
  constructor(
    private readonly redis: RedisLike,
    private readonly options: { limit: number; windowMs: number; prefix: string },
    private readonly now: () => number = Date.now,
  ) {}

  async hit(key: string): Promise<RateWindow> {
    const reply = (await this.redis.eval(HIT_SCRIPT, 1, `${this.options.prefix}${key}`, this.options.windowMs)) as [
      number,
      number,
    ];
    const [count, ttl] = reply;
    return verdict(Number(count), this.options.limit, this.now() + Number(ttl));
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
