import { randomUUID } from "node:crypto";
import { DEFAULT_MARKETS, type Decimal } from "@tradeboard/core";
import { type Database, insertUser, postLedgerEntry } from "@tradeboard/db";
import type { MarketOrderRequest } from "../../src/services/trading/market-batch.ts";

export const btcUsd = (() => {
  const found = DEFAULT_MARKETS.find((m) => m.symbol === "BTC-USD");
  if (!found) throw new Error("BTC-USD is not a default market");
  return found;
})();

/** A BTC-USD market order as the trading service hands it to a batch. */
export function marketOrderRequest(
  userId: string,
  o: { side: "buy" | "sell"; quantity: string; clientOrderId: string | null; requestHash: string },
  price: Decimal,
): MarketOrderRequest {
  return {
    order: {
      userId,
      clientOrderId: o.clientOrderId,
      requestHash: o.requestHash,
      symbol: btcUsd.symbol,
      side: o.side,
      type: "market",
      timeInForce: "gtc",
      status: "filled",
      quantity: o.quantity,
      filledQuantity: o.quantity,
    },
    spec: btcUsd,
    side: o.side,
    price,
  };
}

/** A new account holding `usd` dollars, deposited through the ledger. */
export async function openFundedAccount(database: Database, name: string, usd: string): Promise<string> {
  const user = await insertUser(database.db, { email: `batch-${randomUUID()}@example.com`, name, passwordHash: null });
  await postLedgerEntry(database.db, { userId: user.id, asset: "USD", kind: "initial_deposit", availableDelta: usd });
  return user.id;
}
