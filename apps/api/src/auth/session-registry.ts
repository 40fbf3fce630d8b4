import {
  type Db,
  deleteSession,
  deleteStaleSessions,
  deleteUserSessions,
  insertSession,
  listSessions,
  type SessionRow,
  touchSession,
} from "@tradeboard/db";

export interface SessionRegistryOptions {
  db: Db;
  /** How long a session token lives (Auth.js maxAge): a session unseen for longer cannot be used. */
  maxAgeMs: number;
  now?: () => number;
  /**
   * How long a session found active is believed without asking the database
   * again; each re-check also records "last seen". Ending a session here
   * clears it at once; the re-check bounds what another instance's ending costs.
   */
  recheckMs?: number;
  maxCached?: number;
  /**
   * How long an ended session id is remembered, so that a WebSocket token
   * issued before the end (they live at most an hour) is refused.
   */
  tombstoneMs?: number;
  maxTombstones?: number;
  /**
   * Told of every ended session (the hub closes their sockets): `here` when
   * this instance ended it (to be told to the others), `elsewhere` when
   * another instance did (see `markEnded`).
   */
  onEnded?: (userId: string, sessionIds: readonly string[], origin: "here" | "elsewhere") => void;
}

interface Cached {
  userId: string;
  active: boolean;
  checkedAt: number;
}

/**
 * The api's view of which sessions are alive. Every authenticated request asks
 * `isActive`, which answers from memory; the database is asked when a session
 * is first seen and then at most once per `recheckMs` (which also writes its
 * last-seen time). Ending a session deletes its row and updates the memory in
 * the same step, so a copied cookie is refused by the very next request. With
 * several api instances the ended ids travel to the others (see the README).
 */
export class SessionRegistry {
  private readonly cache = new Map<string, Cached>();
  private readonly tombstones = new Map<string, number>();
  /** Ended sessions before this time may have been forgotten (tombstones over their bound). */
  private forgottenBefore = 0;
  private readonly now: () => number;
  private readonly recheckMs: number;
  private readonly maxCached: number;
  private readonly tombstoneMs: number;
  private readonly maxTombstones: number;
  private lastSweep = 0;

  constructor(private readonly options: SessionRegistryOptions) {
    this.now = options.now ?? Date.now;
    this.recheckMs = options.recheckMs ?? 60_000;
    this.maxCached = options.maxCached ?? 10_000;
    this.tombstoneMs = options.tombstoneMs ?? 60 * 60_000;
    this.maxTombstones = options.maxTombstones ?? 100_000;
  }

  async create(params: { userId: string; userAgent: string | null }): Promise<SessionRow> {
    const now = this.now();
    if (now - this.lastSweep > 60 * 60_000) {
      this.lastSweep = now;
      await deleteStaleSessions(this.options.db, new Date(now - this.options.maxAgeMs));
    }
    const row = await insertSession(this.options.db, { ...params, now: new Date(now) });
    this.remember(row.id, { userId: row.userId, active: true, checkedAt: now });
    return row;
  }

  /** Whether this session exists and belongs to this user; from memory, or the database once per `recheckMs`. */
  async isActive(sessionId: string, userId: string): Promise<boolean> {
    if (this.tombstones.has(sessionId)) return false;
    const now = this.now();
    const cached = this.cache.get(sessionId);
    if (cached && (!cached.active || now - cached.checkedAt < this.recheckMs)) {
      this.cache.delete(sessionId);
      this.cache.set(sessionId, cached); // most recently used last
      return cached.active && cached.userId === userId;
    }
    const row = await touchSession(this.options.db, { id: sessionId, userId, now: new Date(now) });
    // Ended while the database answered: the row we read is already gone.
    if (this.tombstones.has(sessionId)) return false;
    // A session id never comes back, so "gone" is remembered for good (until evicted).
    this.remember(sessionId, { userId, active: row !== null, checkedAt: now });
    return row !== null;
  }

  /**
   * For WebSocket tokens, which are checked without waiting: false when the
   * session is known to have ended (or may have ended and been forgotten).
   */
  mayConnect(sessionId: string, tokenIssuedAt: number): boolean {
    if (this.tombstones.has(sessionId)) return false;
    if (this.cache.get(sessionId)?.active === false) return false;
    return tokenIssuedAt > this.forgottenBefore;
  }

  list(userId: string): Promise<SessionRow[]> {
    return listSessions(this.options.db, { userId, activeSince: new Date(this.now() - this.options.maxAgeMs) });
  }

  /** Ends one session; with `userId`, only if it is that user's. Answers whether it existed. */
  async end(sessionId: string, userId?: string): Promise<boolean> {
    const rows = await deleteSession(this.options.db, { id: sessionId, userId });
    // Signing out twice, or a session that was never ours: nothing to tell anyone.
    if (rows.length === 0) return false;
    this.ended(rows, "here");
    return true;
  }

  /** Ends every session of a user, or all but `except`; answers how many ended. */
  async endAll(userId: string, options: { except?: string } = {}): Promise<number> {
    const rows = await deleteUserSessions(this.options.db, { userId, except: options.except });
    this.ended(rows, "here");
    return rows.length;
  }

  /** Sessions another instance ended (its rows are already gone): refused here from now on. */
  markEnded(userId: string, sessionIds: readonly string[]): void {
    this.ended(
      sessionIds.map((id) => ({ id, userId })),
      "elsewhere",
    );
  }

  /**
   * Forgets every "active" answer held in memory, so that each session is
   * asked of the database again at its next use (after missing news of ends,
   * such as while the link to the other instances was down).
   */
  forgetActive(): void {
    for (const [id, entry] of this.cache) if (entry.active) this.cache.delete(id);
  }

  /** How many sessions are remembered (for tests). */
  get cachedCount(): number {
    return this.cache.size;
  }

  private ended(rows: readonly Pick<SessionRow, "id" | "userId">[], origin: "here" | "elsewhere"): void {
    if (rows.length === 0) return;
    const now = this.now();
    const byUser = new Map<string, string[]>();
    for (const row of rows) {
      this.cache.set(row.id, { userId: row.userId, active: false, checkedAt: now });
      this.tombstones.delete(row.id);
      this.tombstones.set(row.id, now);
      const ids = byUser.get(row.userId);
      if (ids) ids.push(row.id);
      else byUser.set(row.userId, [row.id]);
    }
    this.pruneTombstones(now);
    this.trimCache();
    for (const [userId, ids] of byUser) this.options.onEnded?.(userId, ids, origin);
  }

  private remember(sessionId: string, entry: Cached): void {
    this.cache.delete(sessionId);
    this.cache.set(sessionId, entry);
    this.trimCache();
  }

  private trimCache(): void {
    while (this.cache.size > this.maxCached) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  private pruneTombstones(now: number): void {
    // Oldest first (insertion order): drop the expired ones, then any over the bound.
    for (const [id, endedAt] of this.tombstones) {
      const expired = now - endedAt > this.tombstoneMs;
      if (!expired && this.tombstones.size <= this.maxTombstones) break;
      this.tombstones.delete(id);
      // Over the bound, a forgotten end could let an older WebSocket token in: refuse all tokens issued before it.
      if (!expired) this.forgottenBefore = Math.max(this.forgottenBefore, endedAt);
    }
  }
}
