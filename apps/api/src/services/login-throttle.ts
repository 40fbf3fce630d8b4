/**
 * Counts failed sign-ins per email and per client address in a fixed window.
 * Kept in memory: one api instance. With several instances this moves to Redis.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limits: { perEmail: number; perIp: number; windowMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before another attempt is heard, or 0 when one is allowed now. */
  retryAfterSeconds(email: string, ip: string | undefined): number {
    const waits = [this.wait(`email:${email}`, this.limits.perEmail)];
    if (ip) waits.push(this.wait(`ip:${ip}`, this.limits.perIp));
    return Math.max(...waits);
  }

  recordFailure(email: string, ip: string | undefined): void {
    this.bump(`email:${email}`);
    if (ip) this.bump(`ip:${ip}`);
  }

  recordSuccess(email: string): void {
    this.failures.delete(`email:${email}`);
  }

  private wait(key: string, limit: number): number {
    const entry = this.live(key);
    return entry && entry.count >= limit ? Math.ceil((entry.resetAt - this.now()) / 1000) : 0;
  }

  private bump(key: string): void {
    const entry = this.live(key);
    if (entry) entry.count += 1;
    else this.failures.set(key, { count: 1, resetAt: this.now() + this.limits.windowMs });
    if (this.failures.size > 100_000) this.prune();
  }

  private live(key: string) {
    const entry = this.failures.get(key);
    if (entry && entry.resetAt <= this.now()) {
      this.failures.delete(key);
      return undefined;
    }
    return entry;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(key);
  }
}
