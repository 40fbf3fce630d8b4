import { type Db, findUserById, onUserChanged, type UserRow } from "@tradeboard/db";

export interface UserCacheOptions {
  db: Db;
  /**
   * How long a user row read from the database is believed (at most a
   * second, USER_CACHE_MS): a change made by another api instance, or straight
   * in the database, takes effect within it. 0 reads the row on every request.
   */
  ttlMs: number;
  maxCached?: number;
  now?: () => number;
}

/**
 * The user rows behind authenticated requests. Reading the row on every
 * request was a query of its own per request (a deleted user or a changed
 * role must take effect whatever the session token says); here a row is read
 * at most once per `ttlMs` per user, and requests that arrive while it is
 * being read wait for that one read. A change this process makes (packages/db
 * announces each one, see `onUserChanged`) is forgotten at once, and for
 * `ttlMs` after it no read is believed beyond its own request: the change may
 * still be committing when the read runs.
 */
export class UserCache {
  private readonly rows = new Map<string, { user: UserRow; readAt: number }>();
  private readonly reading = new Map<string, Promise<UserRow | null>>();
  private readonly changedAt = new Map<string, number>();
  private readonly now: () => number;
  private readonly stop: () => void;

  constructor(private readonly options: UserCacheOptions) {
    this.now = options.now ?? Date.now;
    this.stop = onUserChanged((userId) => this.forget(userId));
  }

  async find(userId: string): Promise<UserRow | null> {
    const ttl = this.options.ttlMs;
    if (ttl <= 0) return findUserById(this.options.db, userId);
    const started = this.now();
    const cached = this.rows.get(userId);
    if (cached && started - cached.readAt < ttl) return cached.user;
    const pending = this.reading.get(userId);
    if (pending) return pending;
    const read = findUserById(this.options.db, userId).finally(() => {
      if (this.reading.get(userId) === read) this.reading.delete(userId);
    });
    this.reading.set(userId, read);
    const user = await read;
    const changed = this.changedAt.get(userId);
    if (user && (changed === undefined || changed < started - ttl)) this.remember(userId, user, started);
    return user;
  }

  /** This user changed: the next request reads the row again. */
  forget(userId: string): void {
    this.rows.delete(userId);
    this.reading.delete(userId);
    const now = this.now();
    this.changedAt.set(userId, now);
    if (this.changedAt.size > 1_000) {
      for (const [id, at] of this.changedAt) if (now - at > this.options.ttlMs) this.changedAt.delete(id);
    }
  }

  close(): void {
    this.stop();
  }

  private remember(userId: string, user: UserRow, readAt: number): void {
    const max = this.options.maxCached ?? 10_000;
    this.rows.delete(userId);
    while (this.rows.size >= max) {
      const oldest = this.rows.keys().next().value;
      if (oldest === undefined) break;
      this.rows.delete(oldest);
    }
    this.rows.set(userId, { user, readAt });
  }
}
