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
