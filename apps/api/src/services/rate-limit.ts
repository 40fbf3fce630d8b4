interface Window {
  count: number;
  resetAt: number;
}

/**
 * At most `limit` events per key in a fixed window, in memory (one api
 * instance), in bounded space and O(1) per call.
 *
 * Keys below the limit and keys that reached it live in two maps of at most
 * `maxKeys` entries each. When one is full, its oldest entry goes (Map order is
 * insertion order, and an entry is inserted when its window starts or when it
 * reaches the limit, so that is the one closest to expiring). A spray of fresh
 * keys therefore only pushes out other keys still under their limit — each of
 * which forgets fewer than `limit` events — never a key that is already limited,
 * unless the spray itself gets `maxKeys` keys limited within one window.
 */
export class WindowLimiter {
  readonly #counting = new Map<string, Window>();
  readonly #limited = new Map<string, Window>();
  readonly #maxKeys: number;

  constructor(
    private readonly options: { limit: number; windowMs: number; maxKeys?: number },
    private readonly now: () => number = Date.now,
  ) {
    this.#maxKeys = Math.max(1, options.maxKeys ?? 50_000);
  }

  /** Keys remembered, limited or not (for tests and metrics). */
  get size(): number {
    return this.#counting.size + this.#limited.size;
  }

  /** Seconds until `key` may act again; 0 when it may now. */
  wait(key: string): number {
    const window = this.#live(key);
    if (!window || window.count < this.options.limit) return 0;
    return Math.max(1, Math.ceil((window.resetAt - this.now()) / 1000));
  }

  /** Counts one event for `key`, allowed or not. */
  add(key: string): void {
    const window = this.#live(key);
    if (!window) {
      const fresh = { count: 1, resetAt: this.now() + this.options.windowMs };
      if (fresh.count >= this.options.limit) this.#insert(this.#limited, key, fresh);
      else this.#insert(this.#counting, key, fresh);
      return;
    }
    window.count += 1;
    if (window.count >= this.options.limit && this.#counting.delete(key)) this.#insert(this.#limited, key, window);
  }

  /** The usual check-and-count: 0 when the event is allowed (and counted), else the seconds to wait. */
  take(key: string): number {
    const wait = this.wait(key);
    if (wait > 0) return wait;
    this.add(key);
    return 0;
  }

  /** Forgets `key`, such as after a successful sign-in. */
  reset(key: string): void {
    this.#counting.delete(key);
    this.#limited.delete(key);
  }

  #live(key: string): Window | undefined {
    const window = this.#limited.get(key) ?? this.#counting.get(key);
    if (window && window.resetAt <= this.now()) {
      this.reset(key);
      return undefined;
    }
    return window;
  }

  #insert(map: Map<string, Window>, key: string, window: Window): void {
    if (map.size >= this.#maxKeys) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(key, window);
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
