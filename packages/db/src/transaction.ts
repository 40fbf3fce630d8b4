import type { Db } from "./client.ts";
import { isRetryableConflict } from "./errors.ts";

/** What `db.transaction` hands its callback. */
export type Transaction = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * A transaction that runs again (up to `attempts` times in all) when Postgres
 * chose it as the victim of a deadlock or a serialization conflict: it was
 * rolled back whole, so running it again is safe. Anything else is thrown.
 */
export async function retryingTransaction<T>(db: Db, work: (tx: Transaction) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      if (attempt >= attempts || !isRetryableConflict(error)) throw error;
      // A short, jittered pause so the two sides of the cycle do not meet again at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
