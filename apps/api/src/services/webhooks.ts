import { createHmac, randomBytes } from "node:crypto";
import { lookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { type Db, recordWebhookAttempt } from "@tradeboard/db";

/** Addresses a webhook must never reach: private, loopback, link-local, shared, multicast, reserved. */
const internal = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  internal.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  internal.addSubnet(network, prefix, "ipv6");
}

export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return internal.check(mapped, "ipv4");
  const family = isIP(address);
  return family === 0 || internal.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** Refuses a webhook URL whose host is literally an internal address (names are checked when resolved). */
export function checkWebhookUrl(url: string, allowInternal: boolean): string | null {
  const { protocol, hostname } = new URL(url);
  if (protocol !== "http:" && protocol !== "https:") return "webhookUrl must be an http(s) URL";
  const host = hostname.replace(/^\[|\]$/g, "");
  if (!allowInternal && (host === "localhost" || (isIP(host) !== 0 && isInternalAddress(host)))) {
    return "webhookUrl may not point at a private, loopback or link-local address";
  }
  return null;
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface WebhookJob {
  eventId: string;
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
      this.running++;
      void this.deliver(job, 1).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async deliver(job: WebhookJob, attempt: number): Promise<void> {
    const attempts = this.deps.attempts ?? 5;
    let error: string | null = null;
    try {
      const status = await this.post(job);
      if (status >= 200 && status < 300) {
        await recordWebhookAttempt(this.deps.db, { eventId: job.eventId, status: "delivered", error: null });
        return;
      }
      error = `HTTP ${status}`;
    } catch (e) {
      error = (e as Error).message;
    }
    const last = attempt >= attempts || error?.startsWith("refused:");
    await recordWebhookAttempt(this.deps.db, {
      eventId: job.eventId,
      status: last ? "failed" : "pending",
      error,
    }).catch(() => {});
    if (last) {
      this.deps.log?.(`webhook for alert event ${job.eventId} failed: ${error}`);
      return;
    }
    const delay = (this.deps.retryBaseMs ?? 1_000) * 4 ** (attempt - 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.running++;
      void this.deliver(job, attempt + 1).finally(() => {
        this.running--;
        this.pump();
      });
    }, delay);
    this.timers.add(timer);
  }

  /** POSTs with a lookup that refuses internal addresses at connect time (no DNS-rebinding way round the check). */
  private post(job: WebhookJob): Promise<number> {
    const url = new URL(job.url);
    const guardedLookup: LookupFunction = (hostname, options, callback) => {
      lookup(hostname, { ...options, all: false }, (err, address, family) => {
        if (err) return callback(err, "", 0);
        if (!this.deps.allowInternal && isInternalAddress(address as string)) {
          return callback(new Error(`refused: ${hostname} resolves to an internal address`), "", 0);
        }
        callback(null, address as string, family);
      });
    };
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
          lookup: guardedLookup,
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
