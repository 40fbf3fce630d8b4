import { isUuid } from "@tradeboard/core";
import { type Db, findUserById, findUsersByIds, onUserChanged, type UserRow } from "@tradeboard/db";
import type { UserChangeSource } from "./user-changes.ts";

export interface UserCacheOptions {
  db: Db;
  /**
   * How long a user row read from the database is believed (at most a
   * second, USER_CACHE_MS): a change made by another api instance, or straight
   * in the database, takes effect within it. 0 reads the row on every request.
   */
  ttlMs: number;
  /**
   * The changes the database announces (see user-changes.ts): while they are
   * heard, a row is believed for up to `heardTtlMs`, since its change would
   * have arrived and made the cache forget it.
   */
  changes?: UserChangeSource;
  heardTtlMs?: number;
  maxCached?: number;
  now?: () => number;
}

/**
 * The user rows behind authenticated requests. Reading the row on every
 * request was a query of its own per request (a deleted user or a changed
 * role must take effect whatever the session token says); here a row is read
 * at most once per `ttlMs` per user, requests that arrive while it is being
 * read wait for that one read, and the rows missed during one turn of the
 * event loop are read together, with one query. A change this process makes (packages/db
 * announces each one, see `onUserChanged`) is forgotten at once, and for
 * `ttlMs` after it no read is believed beyond its own request: the change may
 * still be committing when the read runs.
 *
 * With `changes`, every change committed anywhere is forgotten as it arrives,
 * and a row is believed longer than `ttlMs` only while the changes are known to
 * be heard to within `ttlMs` (a heartbeat of that age has come back) in the
 * listen its read began in: a lost or slow listen falls back to the second.
 */
export class UserCache {
  private readonly rows = new Map<string, { user: UserRow; readAt: number; epoch: number }>();
  private readonly reading = new Map<string, Promise<UserRow | null>>();
  private readonly changedAt = new Map<string, number>();
  /** Misses of this turn of the event loop, read together by `readQueued`. */
  private queued = new Map<string, { resolve(user: UserRow | null): void; reject(error: unknown): void }>();
  private readonly now: () => number;
  private readonly stops: (() => void)[];

  constructor(private readonly options: UserCacheOptions) {
    this.now = options.now ?? Date.now;
    this.stops = [onUserChanged((userId) => this.forget(userId))];
    if (options.changes) this.stops.push(options.changes.onChanged((userId) => this.forget(userId)));
  }

  async find(userId: string): Promise<UserRow | null> {
    const ttl = this.options.ttlMs;
    if (ttl <= 0) return findUserById(this.options.db, userId);
    const started = this.now();
    const cached = this.rows.get(userId);
    if (cached && this.believed(cached, started)) return cached.user;
    const pending = this.reading.get(userId);
    if (pending) return pending;
    if (!isUuid(userId)) return null;
    const epoch = this.options.changes?.epoch ?? 0;
    const read = this.queue(userId).finally(() => {
      if (this.reading.get(userId) === read) this.reading.delete(userId);
    });
    this.reading.set(userId, read);
    const user = await read;
    const changed = this.changedAt.get(userId);
    if (user && (changed === undefined || changed < started - ttl))
      this.remember(userId, { user, readAt: started, epoch });
    return user;
  }

  private believed(cached: { readAt: number; epoch: number }, now: number): boolean {
    const ttl = this.options.ttlMs;
    const age = now - cached.readAt;
    if (age < ttl) return true;
    const changes = this.options.changes;
    return (
      changes !== undefined &&
      cached.epoch === changes.epoch &&
      age < (this.options.heardTtlMs ?? 10 * 60_000) &&
      changes.heardUpTo() >= now - ttl
    );
  }

  private queue(userId: string): Promise<UserRow | null> {
    return new Promise((resolve, reject) => {
      if (this.queued.size === 0) setImmediate(() => this.readQueued());
      this.queued.set(userId, { resolve, reject });
    });
  }

  private readQueued(): void {
    const queued = this.queued;
    this.queued = new Map();
    findUsersByIds(this.options.db, [...queued.keys()]).then(
      (rows) => {
        const byId = new Map(rows.map((row) => [row.id, row]));
        for (const [id, waiting] of queued) waiting.resolve(byId.get(id) ?? null);
      },
      (error: unknown) => {
        for (const waiting of queued.values()) waiting.reject(error);
      },
    );
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
    for (const stop of this.stops) stop();
  }

  private remember(userId: string, entry: { user: UserRow; readAt: number; epoch: number }): void {
    const max = this.options.maxCached ?? 10_000;
    this.rows.delete(userId);
    while (this.rows.size >= max) {
      const oldest = this.rows.keys().next().value;
      if (oldest === undefined) break;
      this.rows.delete(oldest);
    }
    this.rows.set(userId, entry);
  }
}
