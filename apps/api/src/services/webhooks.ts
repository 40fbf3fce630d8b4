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
  timeoutMs?: number;
  concurrency?: number;
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
  private readonly queue: WebhookJob[] = [];
  /** Events queued or being delivered here, so a poll does not claim them twice. */
  private readonly known = new Set<string>();
  private running = 0;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly deps: WebhookSenderOptions) {
    this.now = deps.now ?? Date.now;
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

  /** A firing just recorded (and scheduled): delivered at once, or by a later poll. */
  send(job: WebhookJob): void {
    if (this.stopped || this.known.has(job.eventId)) return;
    this.known.add(job.eventId);
    this.queue.push({ ...job });
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    for (const job of this.queue) this.known.delete(job.eventId);
    this.queue.length = 0;
  }

  private get slots(): number {
    return this.deps.concurrency ?? 4;
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
    const room = this.slots * 4 - this.queue.length;
    if (room <= 0) return;
    const due = await claimDueWebhooks(this.deps.db, {
      now: new Date(this.now()),
      limit: room,
      perUser: room,
      leaseMs: this.leaseMs,
      exclude: [...this.known],
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
      this.known.add(row.eventId);
      this.queue.push({
        eventId: row.eventId,
        userId: row.userId,
        url: row.url,
        secret: row.secret,
        body: row.payload,
        attempts: row.attempts,
      });
    }
    this.pump();
  }

  /** How long a claimed delivery is kept from other claims: long enough to wait its turn and run. */
  private get leaseMs(): number {
    return Math.max(60_000, (this.deps.timeoutMs ?? 5_000) * 10);
  }

  private pump(): void {
    while (!this.stopped && this.running < this.slots && this.queue.length > 0) {
      const job = this.queue.shift();
      if (!job) break;
      this.start(job);
    }
  }

  /** Runs one attempt in a slot; whatever happens in it, the slot is given back and the failure logged. */
  private start(job: WebhookJob): void {
    this.running++;
    this.deliver(job)
      .catch((error: Error) => this.deps.log?.(`webhook for alert event ${job.eventId}: ${error.message}`))
      .finally(() => {
        this.running--;
        this.known.delete(job.eventId);
        this.pump();
      });
  }

  private async deliver(job: WebhookJob): Promise<void> {
    const attempt = (job.attempts ?? 0) + 1;
    let error: string | null = null;
    try {
      const status = await this.post(job);
      if (status >= 200 && status < 300) {
        // Delivered is delivered: a failed record of it must not post it again.
        await this.record(job.eventId, { status: "delivered", error: null, nextAttemptAt: null });
        return;
      }
      error = `HTTP ${status}`;
    } catch (e) {
      error = (e as Error).message;
    }
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

  /** POSTs with a lookup that refuses internal addresses at connect time (no DNS-rebinding way round the check). */
  private post(job: WebhookJob): Promise<number> {
    const url = new URL(job.url);
    const guarded = guardedLookup(this.deps.allowInternal);
    const client = url.protocol === "https:" ? https : http;
    const literal = url.hostname.replace(/^\[|\]$/g, "");
    if (!this.deps.allowInternal && isIP(literal) !== 0 && isInternalAddress(literal)) {
      return Promise.reject(new Error(`refused: ${literal} is an internal address`));
    }
    return new Promise((resolve, reject) => {
      const request = client.request(
        url,
        {
          method: "POST",
          lookup: guarded,
          // A fresh connection each time: a pooled keep-alive socket would skip the guarded lookup.
          agent: false,
          timeout: this.deps.timeoutMs ?? 5_000,
          headers: {
            "content-type": "application/json",
            "user-agent": "Tradeboard-Webhooks/1",
            "x-tradeboard-signature": signWebhook(job.secret, job.body),
            "x-tradeboard-event-id": job.eventId,
          },
        },
        (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode ?? 0));
        },
      );
      request.on("timeout", () => request.destroy(new Error("timed out")));
      request.on("error", reject);
      request.end(job.body);
    });
  }
}
