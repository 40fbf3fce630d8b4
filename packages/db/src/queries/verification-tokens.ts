import { and, eq, gt, lt } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type VerificationTokenRow, verificationTokens } from "../schema.ts";

/** Stores a token's hash, and drops the tokens that can no longer be used. */
export async function insertVerificationToken(
  db: Db,
  params: Pick<VerificationTokenRow, "tokenHash" | "identifier" | "purpose" | "expiresAt"> & { now: Date },
): Promise<void> {
  await db.delete(verificationTokens).where(lt(verificationTokens.expiresAt, params.now));
  const { now, ...row } = params;
  await db.insert(verificationTokens).values({ ...row, createdAt: now });
}

/**
 * Uses a token up: deletes it and answers it, once, only while unexpired and
 * for this address and purpose. Concurrent callers race on one DELETE; exactly
 * one gets the row.
 */
export async function consumeVerificationToken(
  db: Db,
  params: { tokenHash: string; identifier: string; purpose: VerificationTokenRow["purpose"]; now: Date },
): Promise<VerificationTokenRow | null> {
  const [row] = await db
    .delete(verificationTokens)
    .where(
      and(
        eq(verificationTokens.tokenHash, params.tokenHash),
        eq(verificationTokens.identifier, params.identifier),
        eq(verificationTokens.purpose, params.purpose),
        gt(verificationTokens.expiresAt, params.now),
      ),
    )
    .returning();
  return row ?? null;
}
