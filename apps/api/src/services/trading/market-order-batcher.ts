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
   * another connection; batches of different accounts do not wait for each
   * other, those of one account wait on its rows.
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
 */
export class MarketOrderBatcher {
  private waiting: Waiting[] = [];
  private inFlight = 0;
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

  /** Starts batches while a slot is free; when every slot is busy, orders wait for the next free one. */
  private launch(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inFlight++;
      this.run(batch)
        .catch((error: unknown) => this.options.log?.(`market order batch: ${(error as Error).message}`))
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
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
