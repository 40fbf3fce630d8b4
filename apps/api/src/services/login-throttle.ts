import { WindowLimiter } from "./rate-limit.ts";

export interface LoginLimits {
  /** Failures of one email from one client address, per `windowMs`. */
  perEmailAndIp: number;
  /** Failures from one client address, whatever the email, per `windowMs`. */
  perIp: number;
  /** Failures of one email from all addresses together, per `emailWindowMs`: higher and slower. */
  perEmail: number;
  windowMs: number;
  emailWindowMs: number;
  maxKeys?: number;
}

/**
 * Counts failed sign-ins so that guessing is slow but a stranger cannot lock the
 * owner out: a few failures throttle only that email *from that address*; an
 * address that tries many emails is throttled as a whole; and only a far higher
 * number of failures for one email, from many addresses, throttles the email
 * everywhere. Kept in memory (one api instance), bounded (see WindowLimiter).
 */
export class LoginThrottle {
  readonly #pairs: WindowLimiter;
  readonly #ips: WindowLimiter;
  readonly #emails: WindowLimiter;

  constructor(limits: LoginLimits, now: () => number = Date.now) {
    const maxKeys = limits.maxKeys;
    this.#pairs = new WindowLimiter({ limit: limits.perEmailAndIp, windowMs: limits.windowMs, maxKeys }, now);
    this.#ips = new WindowLimiter({ limit: limits.perIp, windowMs: limits.windowMs, maxKeys }, now);
    this.#emails = new WindowLimiter({ limit: limits.perEmail, windowMs: limits.emailWindowMs, maxKeys }, now);
  }

  /** Keys remembered (for tests). */
  get size(): number {
    return this.#pairs.size + this.#ips.size + this.#emails.size;
  }

  /** Seconds to wait before another attempt is heard, or 0 when one is allowed now. */
  retryAfterSeconds(email: string, ip: string | undefined): number {
    return Math.max(this.#pairs.wait(pairKey(email, ip)), ip ? this.#ips.wait(ip) : 0, this.#emails.wait(email));
  }

  recordFailure(email: string, ip: string | undefined): void {
    this.#pairs.add(pairKey(email, ip));
    if (ip) this.#ips.add(ip);
    this.#emails.add(email);
  }

  /** The owner got in from here: this address starts afresh for this email. */
  recordSuccess(email: string, ip: string | undefined): void {
    this.#pairs.reset(pairKey(email, ip));
  }
}

function pairKey(email: string, ip: string | undefined): string {
  return `${ip ?? "-"}\n${email}`;
}
