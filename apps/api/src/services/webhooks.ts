import { createHmac, randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { type Db, recordWebhookAttempt } from "@tradeboard/db";
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
  userId?: string;
  url: string;
  secret: string;
  body: string;
}

/**
 * Delivers alert webhooks in the background: a few at a time, each with a
 * timeout, retried with exponential back-off, every attempt recorded on the
 * alert event. Nothing here is awaited by the tick path, so a slow or failing
 * target never delays other alerts or prices.
 */
export class WebhookSender {
  private readonly queue: WebhookJob[] = [];
  private running = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly deps: {
      db: Db;
      allowInternal: boolean;
      attempts?: number;
      retryBaseMs?: number;
      timeoutMs?: number;
      concurrency?: number;
      log?(message: string): void;
    },
  ) {}

  send(job: WebhookJob): void {
    this.queue.push({ ...job });
    this.pump();
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
  }

  private pump(): void {
    while (this.running < (this.deps.concurrency ?? 4) && this.queue.length > 0) {
      const job = this.queue.shift();
      if (!job) break;
      this.start(job, 1);
    }
  }

  /** Runs one attempt in a slot; whatever happens in it, the slot is given back and the failure logged. */
  private start(job: WebhookJob, attempt: number): void {
    this.running++;
    this.deliver(job, attempt)
      .catch((error: Error) => this.deps.log?.(`webhook for alert event ${job.eventId}: ${error.message}`))
      .finally(() => {
        this.running--;
        this.pump();
      });
  }

  private async deliver(job: WebhookJob, attempt: number): Promise<void> {
    const attempts = this.deps.attempts ?? 5;
    let error: string | null = null;
    try {
      const status = await this.post(job);
      if (status >= 200 && status < 300) {
        // Delivered is delivered: a failed record of it must not post it again.
        await this.record(job, "delivered", null);
        return;
      }
      error = `HTTP ${status}`;
    } catch (e) {
      error = (e as Error).message;
    }
    const last = attempt >= attempts || error?.startsWith("refused:");
    await this.record(job, last ? "failed" : "pending", error);
    if (last) {
      this.deps.log?.(`webhook for alert event ${job.eventId} failed: ${error}`);
      return;
    }
    const delay = (this.deps.retryBaseMs ?? 1_000) * 4 ** (attempt - 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.start(job, attempt + 1);
    }, delay);
    this.timers.add(timer);
  }

  private async record(job: WebhookJob, status: "pending" | "delivered" | "failed", error: string | null) {
    try {
      await recordWebhookAttempt(this.deps.db, { eventId: job.eventId, status, error });
    } catch (e) {
      this.deps.log?.(`webhook attempt for alert event ${job.eventId} could not be recorded: ${(e as Error).message}`);
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
