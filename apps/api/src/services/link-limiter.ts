/**
 * How many sign-in and password-reset links one address, and one client, may
 * ask for in a window. Fixed windows in memory, with a hard bound on the keys
 * kept: when full, the oldest window is forgotten (a flood of new keys cannot
 * grow the process). With several api instances these counters move to Redis.
 */
export class LinkLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly options: { perEmail: number; perIp: number; windowMs: number; maxKeys?: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request; answers 0 when it may go ahead, else the seconds to wait (nothing is counted then). */
  take(email: string, ip: string | undefined): number {
    const now = this.now();
    const keys: [string, number][] = [[`email:${email}`, this.options.perEmail]];
    if (ip) keys.push([`ip:${ip}`, this.options.perIp]);
    let wait = 0;
    for (const [key, limit] of keys) {
      const window = this.#live(key, now);
      if (window && window.count >= limit) wait = Math.max(wait, Math.max(1, Math.ceil((window.resetAt - now) / 1000)));
    }
    if (wait > 0) return wait;
    for (const [key] of keys) {
      const window = this.#live(key, now);
      if (window) window.count += 1;
      else this.#add(key, { count: 1, resetAt: now + this.options.windowMs });
    }
    return 0;
  }

  get size(): number {
    return this.#windows.size;
  }

  #live(key: string, now: number) {
    const window = this.#windows.get(key);
    if (window && window.resetAt <= now) {
      this.#windows.delete(key);
      return undefined;
    }
    return window;
  }

  #add(key: string, window: { count: number; resetAt: number }): void {
    const max = this.options.maxKeys ?? 100_000;
    if (this.#windows.size >= max) {
      const now = this.now();
      for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
      // Insertion order is age order: the oldest windows go first.
      for (const k of this.#windows.keys()) {
        if (this.#windows.size < max) break;
        this.#windows.delete(k);
      }
    }
    this.#windows.set(key, window);
  }
}
