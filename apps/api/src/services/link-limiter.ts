import { WindowLimiter } from "./rate-limit.ts";

/**
 * How many sign-in and password-reset links one address, and one client, may
 * ask for in a window: two bounded fixed-window limiters, one per address and
 * one per client. With several api instances these counters move to Redis.
 */
export class LinkLimiter {
  readonly #perEmail: WindowLimiter;
  readonly #perIp: WindowLimiter;

  constructor(
    options: { perEmail: number; perIp: number; windowMs: number; maxKeys?: number },
    now: () => number = Date.now,
  ) {
    const { windowMs, maxKeys } = options;
    this.#perEmail = new WindowLimiter({ limit: options.perEmail, windowMs, maxKeys }, now);
    this.#perIp = new WindowLimiter({ limit: options.perIp, windowMs, maxKeys }, now);
  }

  /** Counts one request; answers 0 when it may go ahead, else the seconds to wait (nothing is counted then). */
  take(email: string, ip: string | undefined): number {
    const wait = Math.max(this.#perEmail.wait(email), ip ? this.#perIp.wait(ip) : 0);
    if (wait > 0) return wait;
    this.#perEmail.add(email);
    if (ip) this.#perIp.add(ip);
    return 0;
  }

  get size(): number {
    return this.#perEmail.size + this.#perIp.size;
  }
}
