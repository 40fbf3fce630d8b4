import { concurrentBatches, type Db } from "@tradeboard/db";
import { KnownRows } from "./known-rows.ts";
import {
  type BatchOptions,
  executeMarketBatch,
  type MarketOrderOutcome,
  type MarketOrderRequest,
} from "./market-batch.ts";

type Waiting = {
  request: MarketOrderRequest;
  resolve(outcome: MarketOrderOutcome): void;
  reject(error: unknown): void;
};

export interface BatcherOptions extends BatchOptions {
  db: Db;
  /** The most orders one transaction takes. */
  maxBatch?: number;
  /**
   * Batches in flight at once (default: `concurrentBatches`, 2 on Postgres, 1
   * on PGlite): while one commits the next is already being written, on
   * another connection, for other accounts (an account's orders wait here
   * while a batch of it is in flight).
   */
  maxInFlight?: number;
  log?(message: string): void;
}

/**
 * Group commit for market orders: requests that arrive while every batch slot
 * is busy wait for the next batch, and each batch is one transaction
 * (`executeMarketBatch`). When nothing is in flight a request is sent at once
 * (after the requests already parsed in the same turn of the event loop), so
 * an idle api adds no wait; under load the batches grow by themselves to what
 * arrived during one commit. Each request is answered only after its batch
 * commits, so an answered order is durable.
 *
 * A batch takes no order of an account that a batch in flight holds: such an
 * order could only wait in the database for that batch's row locks, and would
 * split the account's orders into batches that each pay for a statement, a
 * lock round and a commit. It waits here instead and goes, with the account's
 * other waiting orders, in the first batch after that one. Batches in flight
 * together therefore never share an account, and an account's orders still
 * run in the order they arrived.
 */
export class MarketOrderBatcher {
  private waiting: Waiting[] = [];
  private inFlight = 0;
  /** The accounts of the batches in flight. */
  private readonly busy = new Set<string>();
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  /** The batch options, with the rows the batches wrote (so that the next batch of the same accounts is written in one statement). */
  private readonly batchOptions: BatchOptions;

  constructor(private readonly options: BatcherOptions) {
    this.batchOptions = { ...options, known: new KnownRows() };
    this.maxBatch = options.maxBatch ?? 256;
    this.maxInFlight = options.maxInFlight ?? concurrentBatches(options.db);
  }

  submit(request: MarketOrderRequest): Promise<MarketOrderOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.launch();
    });
  }

  /**
   * Starts batches while a slot is free and some waiting order's account is in
   * no batch in flight; the other orders wait for the next free slot.
   */
  private launch(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.take();
      if (batch.length === 0) return;
      const accounts = new Set(batch.map((w) => w.request.order.userId));
      for (const account of accounts) this.busy.add(account);
      this.inFlight++;
      this.run(batch)
        .catch((error: unknown) => this.options.log?.(`market order batch: ${(error as Error).message}`))
        .finally(() => {
          for (const account of accounts) this.busy.delete(account);
          this.inFlight--;
          this.schedule();
        });
    }
  }

  /** The next batch: waiting orders in arrival order, up to `maxBatch`, but none of an account in flight. */
  private take(): Waiting[] {
    if (this.busy.size === 0) return this.waiting.splice(0, this.maxBatch);
    const batch: Waiting[] = [];
    const left: Waiting[] = [];
    for (const w of this.waiting) {
      if (batch.length < this.maxBatch && !this.busy.has(w.request.order.userId)) batch.push(w);
      else left.push(w);
    }
    this.waiting = left;
    return batch;
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      const { outcomes } = await executeMarketBatch(
        this.options.db,
        batch.map((w) => w.request),
        this.batchOptions,
      );
      batch.forEach((w, i) => {
        const outcome = outcomes[i];
        if (outcome) w.resolve(outcome);
        else w.reject(new Error("no outcome for a batched order"));
      });
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // Not a conflict the retry cures (those are retried whole inside): one order may be the cause, so
      // each goes again alone and only the one that fails by itself is answered with the error.
      this.options.log?.(
        `a batch of ${batch.length} market orders failed, running them one by one: ${(error as Error).message}`,
      );
      for (const w of batch) await this.run([w]);
    }
  }
}
