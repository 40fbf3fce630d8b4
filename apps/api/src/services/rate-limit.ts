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
