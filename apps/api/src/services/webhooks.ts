import { createHmac, randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { claimDueWebhooks, type Db, recordWebhookOutcome } from "@tradeboard/db";
import { isInternalAddress } from "./webhook-address.ts";
import { guardedLookup } from "./webhook-lookup.ts";

export { checkWebhookUrl, isInternalAddress } from "./webhook-address.ts";

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface WebhookJob {
  eventId: string;
  userId: string;
  url: string;
  secret: string;
  body: string;
  /** Attempts already made (0 for a new firing). */
  attempts?: number;
}

export interface WebhookSenderOptions {
  db: Db;
  allowInternal: boolean;
  attempts?: number;
  retryBaseMs?: number;
  /** Overall deadline of one attempt: connecting, the request, the response's headers and its body. */
  timeoutMs?: number;
  /** Deliveries in flight at once, for everyone together. */
  concurrency?: number;
  /** Deliveries in flight at once for one user: a user whose targets hang holds at most these. */
  concurrencyPerUser?: number;
  /** Deliveries held in memory waiting for a slot (the rest wait in the database). */
  maxQueued?: number;
  maxQueuedPerUser?: number;
  /** Response bytes read at most; the status is all that counts, the rest is not waited for. */
  maxResponseBytes?: number;
  /** How often the database is asked for due deliveries (retries, and what was pending at start). */
  pollMs?: number;
  now?: () => number;
  log?(message: string): void;
}

/**
 * Delivers alert webhooks in the background: a few at a time, each with a
 * timeout, retried with exponential back-off, every attempt recorded on the
 * alert event. The database is the queue: each firing stores its body and
 * when it is due (`scheduleWebhook`, in the firing's transaction), a failed
 * attempt stores when it is due again, and the sender claims due rows, so a
 * retry survives a restart. Nothing here is awaited by the tick path, so a
 * slow or failing target never delays other alerts or prices.
 */
export class WebhookSender {
  /** Waiting deliveries per user; users are served in turn (round-robin), not first come first served. */
  private readonly queues = new Map<string, WebhookJob[]>();
  /** When each user with deliveries waiting or in flight was last given a slot (a counter, not a clock). */
  private readonly lastServed = new Map<string, number>();
  private served = 0;
  private queued = 0;
  /** Events queued or being delivered here, so a poll does not claim them twice. */
  private readonly known = new Set<string>();
  private readonly inFlight = new Map<string, number>();
  private running = 0;
  /** Aborts the attempts in flight (on stop), and resolves when they have ended. */
  private readonly active = new Map<Promise<void>, () => void>();
  private pollTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  private stopped = false;
  private readonly now: () => number;
  private readonly limits: {
    concurrency: number;
    concurrencyPerUser: number;
    maxQueued: number;
    maxQueuedPerUser: number;
    timeoutMs: number;
    maxResponseBytes: number;
  };

  constructor(private readonly deps: WebhookSenderOptions) {
    this.now = deps.now ?? Date.now;
    this.limits = {
      concurrency: deps.concurrency ?? 4,
      concurrencyPerUser: deps.concurrencyPerUser ?? 2,
      maxQueued: deps.maxQueued ?? 1_000,
      maxQueuedPerUser: deps.maxQueuedPerUser ?? 50,
      timeoutMs: deps.timeoutMs ?? 10_000,
      maxResponseBytes: deps.maxResponseBytes ?? 64 * 1024,
    };
  }

  /** Deliveries of one user waiting in memory for a slot. */
  queuedFor(userId: string): number {
    return this.queues.get(userId)?.length ?? 0;
  }

  /** Starts claiming due deliveries from the database: those left pending by an earlier run, then every retry. */
  resume(): void {
    this.stopped = false;
    if (!this.pollTimer) {
      this.pollTimer = setInterval(() => this.poll(), this.deps.pollMs ?? 1_000);
      this.pollTimer.unref();
    }
    this.poll();
  }

  /**
   * A firing just recorded (and scheduled): delivered as soon as there is a
   * slot. When too many wait already, it stays due in the database and a later
   * poll takes it.
   */
  send(job: WebhookJob): void {
    if (this.stopped || this.known.has(job.eventId)) return;
    if (!this.enqueue({ ...job })) return;
    this.pump();
  }

  /** Stops polling, drops what waits (it is still due in the database) and aborts what is in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    for (const jobs of this.queues.values()) for (const job of jobs) this.known.delete(job.eventId);
    this.queues.clear();
    this.queued = 0;
    for (const abort of this.active.values()) abort();
    await Promise.all([...this.active.keys(), this.polling]);
  }

  private enqueue(job: WebhookJob): boolean {
    const mine = this.queues.get(job.userId) ?? [];
    if (this.queued >= this.limits.maxQueued || mine.length >= this.limits.maxQueuedPerUser) return false;
    if (mine.length === 0) this.queues.set(job.userId, mine);
    mine.push(job);
    this.queued++;
    this.known.add(job.eventId);
    return true;
  }

  private poll(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.claim()
      .catch((error: Error) => this.deps.log?.(`webhook deliveries could not be read: ${error.message}`))
      .finally(() => {
        this.polling = null;
        if (this.pollAgain) {
          this.pollAgain = false;
          this.poll();
        }
      });
  }

  private async claim(): Promise<void> {
    const room = this.limits.maxQueued - this.queued;
    if (room <= 0) return;
    const due = await claimDueWebhooks(this.deps.db, {
      now: new Date(this.now()),
      limit: room,
      perUser: this.limits.maxQueuedPerUser,
      leaseMs: this.leaseMs,
      exclude: [...this.known],
      // Users with a full queue here get nothing more until it drains (no claim-and-release churn).
      excludeUsers: [...this.queues].filter(([, jobs]) => jobs.length >= this.limits.maxQueuedPerUser).map(([u]) => u),
    });
    for (const row of due) {
      if (!row.payload || !row.url || !row.secret) {
        const why = !row.payload
          ? "the delivery was pending before deliveries were kept in the database"
          : !row.url
            ? "the alert no longer has a webhook URL"
            : "no webhook signing secret";
        await this.record(row.eventId, { status: "failed", error: why, nextAttemptAt: null, attempted: false });
        continue;
      }
      if (this.stopped || this.known.has(row.eventId)) continue;
      const job = {
        eventId: row.eventId,
        userId: row.userId,
        url: row.url,
        secret: row.secret,
        body: row.payload,
        attempts: row.attempts,
      };
      // No room for this user now: due again at once, for the next poll.
      if (!this.enqueue(job)) {
        await this.record(row.eventId, { status: "pending", nextAttemptAt: new Date(this.now()), attempted: false });
      }
    }
    this.pump();
  }

  /** How long a claimed delivery is kept from other claims: long enough to wait its turn and run. */
  private get leaseMs(): number {
    return Math.max(60_000, this.limits.timeoutMs * 10);
  }

  /**
   * Fills free slots: each goes to the waiting user served longest ago (never
   * served first), skipping users already at their own limit, so one user's
   * backlog waits behind everyone else's next delivery.
   */
  private pump(): void {
    while (!this.stopped && this.running < this.limits.concurrency) {
      let next: { userId: string; jobs: WebhookJob[]; at: number } | null = null;
      for (const [userId, jobs] of this.queues) {
        if ((this.inFlight.get(userId) ?? 0) >= this.limits.concurrencyPerUser) continue;
        const at = this.lastServed.get(userId) ?? 0;
        if (!next || at < next.at) next = { userId, jobs, at };
      }
      const job = next?.jobs.shift();
      if (!next || !job) break;
      if (next.jobs.length === 0) this.queues.delete(next.userId);
      this.queued--;
      this.lastServed.set(next.userId, ++this.served);
      this.start(job);
    }
  }

  /** Runs one attempt in a slot; whatever happens in it, the slot is given back and the failure logged. */
  private start(job: WebhookJob): void {
    this.running++;
    this.inFlight.set(job.userId, (this.inFlight.get(job.userId) ?? 0) + 1);
    const abort = new AbortController();
    const run: Promise<void> = this.deliver(job, abort.signal)
      .catch((error: Error) => this.deps.log?.(`webhook for alert event ${job.eventId}: ${error.message}`))
      .finally(() => {
        this.active.delete(run);
        this.running--;
        const left = (this.inFlight.get(job.userId) ?? 1) - 1;
        if (left > 0) this.inFlight.set(job.userId, left);
        else this.inFlight.delete(job.userId);
        if (left <= 0 && !this.queues.has(job.userId)) this.lastServed.delete(job.userId);
        this.known.delete(job.eventId);
        this.pump();
      });
    this.active.set(run, () => abort.abort());
  }

  private async deliver(job: WebhookJob, signal: AbortSignal): Promise<void> {
    const attempt = (job.attempts ?? 0) + 1;
    let error: string | null = null;
    try {
      const status = await this.post(job, signal);
      if (status >= 200 && status < 300) {
        // Delivered is delivered: a failed record of it must not post it again.
        await this.record(job.eventId, { status: "delivered", error: null, nextAttemptAt: null });
        return;
      }
      error = `HTTP ${status}`;
    } catch (e) {
      error = (e as Error).message;
    }
    // Cut short by stop(): nothing to record, the delivery is still due in the database.
    if (signal.aborted) return;
    const last = attempt >= (this.deps.attempts ?? 5) || error.startsWith("refused:");
    if (last) {
      await this.record(job.eventId, { status: "failed", error, nextAttemptAt: null });
      this.deps.log?.(`webhook for alert event ${job.eventId} failed: ${error}`);
      return;
    }
    const delay = (this.deps.retryBaseMs ?? 1_000) * 4 ** (attempt - 1);
    await this.record(job.eventId, { status: "pending", error, nextAttemptAt: new Date(this.now() + delay) });
  }

  private async record(eventId: string, outcome: Omit<Parameters<typeof recordWebhookOutcome>[1], "eventId">) {
    try {
      await recordWebhookOutcome(this.deps.db, { eventId, ...outcome });
    } catch (e) {
      this.deps.log?.(`webhook attempt for alert event ${eventId} could not be recorded: ${(e as Error).message}`);
    }
  }

  /**
   * POSTs with a lookup that refuses internal addresses at connect time (no
   * DNS-rebinding way round the check). Settles exactly once, on whichever
   * comes first: the response's end, the read cap, an error, a connection
   * closed before the end, or the overall deadline; the socket is destroyed
   * then, so nothing a target does can hold the slot longer than the deadline.
   */
  private post(job: WebhookJob, signal: AbortSignal): Promise<number> {
    const url = new URL(job.url);
    const client = url.protocol === "https:" ? https : http;
    const literal = url.hostname.replace(/^\[|\]$/g, "");
    if (!this.deps.allowInternal && isIP(literal) !== 0 && isInternalAddress(literal)) {
      return Promise.reject(new Error(`refused: ${literal} is an internal address`));
    }
    const { timeoutMs, maxResponseBytes } = this.limits;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (outcome: { status: number } | Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        signal.removeEventListener("abort", onAbort);
        request.destroy();
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome.status);
      };
      const deadline = setTimeout(() => finish(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs);
      const onAbort = () => finish(new Error("stopped"));
      signal.addEventListener("abort", onAbort);
      let responded = false;
      const cut = (detail?: string) =>
        new Error(`the connection closed before the response ended${detail ? ` (${detail})` : ""}`);
      const request = client.request(
        url,
        {
          method: "POST",
          lookup: guardedLookup(this.deps.allowInternal),
          // A fresh connection each time: a pooled keep-alive socket would skip the guarded lookup.
          agent: false,
          headers: {
            "content-type": "application/json",
            "user-agent": "Tradeboard-Webhooks/1",
            "x-tradeboard-signature": signWebhook(job.secret, job.body),
            "x-tradeboard-event-id": job.eventId,
          },
        },
        (response) => {
          responded = true;
          const status = response.statusCode ?? 0;
          let read = 0;
          response.on("data", (chunk: Buffer) => {
            read += chunk.length;
            if (read >= maxResponseBytes) finish({ status });
          });
          response.on("end", () => finish({ status }));
          response.on("aborted", () => finish(cut()));
          response.on("error", (error) => finish(cut(error.message)));
          response.on("close", () => finish(response.complete ? { status } : cut()));
        },
      );
      // After the headers, an error on the connection is a response cut short.
      request.on("error", (error) => finish(responded ? cut(error.message) : error));
      request.on("close", () => finish(new Error("the connection closed without a response")));
      request.end(job.body);
    });
  }
}
