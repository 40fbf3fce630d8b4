import type { BalancesResponse } from "@tradeboard/contracts";
import { formatAmount } from "@tradeboard/core";
import { type Db, listBalances } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";

export function balancesRoutes(app: FastifyInstance, deps: { db: Db }): void {
  app.get("/api/balances", { onRequest: app.requireUser }, async (req): Promise<BalancesResponse> => {
    const rows = await listBalances(deps.db, { userId: req.user.id });
    return {
      balances: rows.map((row) => ({
        asset: row.asset,
        available: formatAmount(row.available, row.asset),
        held: formatAmount(row.held, row.asset),
      })),
    };
  });
}
