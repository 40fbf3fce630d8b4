import { randomUUID } from "node:crypto";
import { isUuid } from "@tradeboard/core";
import { type Database, notifyUserChanges, USER_CHANGES_CHANNEL } from "@tradeboard/db";

const HEARTBEAT = "heartbeat:";

export interface UserChangesOptions {
  database: Database;
  /** The clock the user cache reads (heartbeats carry its time). */
  now?: () => number;
  /** How often this instance sends itself a heartbeat on the channel. */
  heartbeatMs?: number;
  /** A heartbeat the database took that has not come back after this long: the listen is made anew. */
  relistenAfterMs?: number;
  log?(message: string): void;
}

/** What the user cache needs to know of the changes the database announces. */
export interface UserChangeSource {
  /** Grows each time the listen is (re)established: what was sent before may never arrive. */
  readonly epoch: number;
  /** Every change committed before this time (on the cache's clock) has arrived, in this epoch. */
  heardUpTo(): number;
  onChanged(listener: (userId: string) => void): () => void;
}

/**
 * The changes to user rows as the database announces them (a trigger notifies
 * USER_CHANGES_CHANNEL with the user's id when the change commits: another api
 * instance's, or one made straight in the database). A listener receives
 * notifications in commit order, so when this instance hears its own
 * heartbeat, sent on the same channel at time t, every change committed before
 * t has already arrived: `heardUpTo` is the send time of the last heartbeat
 * heard. A lost listen is noticed by a heartbeat the database took that does
 * not come back; the listen is then made anew and the epoch moves on.
 */
export class UserChanges implements UserChangeSource {
  readonly #id = randomUUID();
  readonly #listeners = new Set<(userId: string) => void>();
  readonly #now: () => number;
  readonly #heartbeatMs: number;
  readonly #relistenAfterMs: number;
  #epoch = 0;
  /** Each listen made; callbacks of an earlier one (which postgres.js may keep alive) are ignored. */
  #generation = 0;
  #heardUpTo = Number.NEGATIVE_INFINITY;
  /**
   * The oldest heartbeat the database has taken (its statement done) that has not come back yet: its
   * send time, and the real time it was taken. A listen is lost when such a heartbeat stays away;
   * a database that is only busy takes no heartbeat meanwhile, so it never looks lost.
   */
  #awaited: { seq: number; takenAt: number } | null = null;
  /** Numbers this instance's heartbeats (their send times may be equal on a test's clock). */
  #sent = 0;
  #heardSeq = 0;
  #unlisten: (() => Promise<void>) | null = null;
  #sending = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  /** A heartbeat or listen failed and nothing has succeeded since (logged once, not every beat). */
  #failing = false;

  private constructor(private readonly options: UserChangesOptions) {
    this.#now = options.now ?? Date.now;
    this.#heartbeatMs = options.heartbeatMs ?? 250;
    this.#relistenAfterMs = options.relistenAfterMs ?? 5_000;
  }

  /** Listens, and sends the first heartbeat; resolves once the listen is established. */
  static async start(options: UserChangesOptions): Promise<UserChanges> {
    const changes = new UserChanges(options);
    await changes.#listen();
    changes.#timer = setInterval(() => changes.#tick(), changes.#heartbeatMs);
    changes.#timer.unref();
    changes.#tick();
    return changes;
  }

  get epoch(): number {
    return this.#epoch;
  }

  heardUpTo(): number {
    return this.#heardUpTo;
  }

  onChanged(listener: (userId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#unlisten?.().catch(() => {});
  }

  async #listen(): Promise<void> {
    this.#generation += 1;
    const generation = this.#generation;
    const current = () => generation === this.#generation && !this.#closed;
    this.#unlisten = await this.options.database.listen(
      USER_CHANGES_CHANNEL,
      (payload) => {
        if (current()) this.#received(payload);
      },
      () => {
        if (!current()) return;
        // Established (again): nothing sent before is known to have arrived.
        this.#epoch += 1;
        this.#heardUpTo = Number.NEGATIVE_INFINITY;
        this.#awaited = null;
      },
    );
  }

  #received(payload: string): void {
    if (payload.startsWith(HEARTBEAT)) {
      const [from, sentAt, seq] = payload.slice(HEARTBEAT.length).split("@");
      if (from === this.#id && sentAt !== undefined && seq !== undefined) {
        this.#heardUpTo = Math.max(this.#heardUpTo, Number(sentAt));
        this.#heardSeq = Math.max(this.#heardSeq, Number(seq));
        if (this.#awaited && this.#heardSeq >= this.#awaited.seq) this.#awaited = null;
      }
      return;
    }
    if (!isUuid(payload)) return;
    for (const listener of this.#listeners) listener(payload);
  }

  #tick(): void {
    if (this.#closed || this.#sending) return;
    this.#sending = true;
    const quiet = this.#awaited !== null && performance.now() - this.#awaited.takenAt > this.#relistenAfterMs;
    const step = quiet ? this.#relisten() : this.#heartbeat();
    step
      .then(
        () => {
          if (this.#failing) this.options.log?.("user changes: the database answers again");
          this.#failing = false;
        },
        (error: Error) => {
          if (!this.#failing) this.options.log?.(`user changes: ${error.message}`);
          this.#failing = true;
        },
      )
      .finally(() => {
        this.#sending = false;
      });
  }

  async #heartbeat(): Promise<void> {
    this.#sent += 1;
    const seq = this.#sent;
    const epoch = this.#epoch;
    await notifyUserChanges(this.options.database.db, `${HEARTBEAT}${this.#id}@${this.#now()}@${seq}`);
    // Taken (committed): it arrives unless the listen is lost; heard already when it came first.
    if (this.#awaited === null && epoch === this.#epoch && this.#heardSeq < seq) {
      this.#awaited = { seq, takenAt: performance.now() };
    }
  }

  /** A heartbeat the database took never came back (the listen lost for good): listen anew. */
  async #relisten(): Promise<void> {
    this.#awaited = null;
    if (!this.#failing) this.options.log?.("user changes: a heartbeat did not come back, listening anew");
    const previous = this.#unlisten;
    this.#unlisten = null;
    await previous?.().catch(() => {});
    await this.#listen();
  }
}
