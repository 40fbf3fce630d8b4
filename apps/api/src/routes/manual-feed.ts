import { decimalString, marketSymbol } from "@tradeboard/contracts";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ManualFeed } from "../market/feed.ts";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";

const tradeBody = z.strictObject({ symbol: marketSymbol, price: decimalString, quantity: decimalString.optional() });

/**
 * Test runs only: lets an end-to-end test set the price. Registered only when
 * the feed is the manual one, which configuration allows only with NODE_ENV=test.
 */
export function manualFeedRoutes(app: FastifyInstance, deps: { feed: ManualFeed }): void {
  app
    .withTypeProvider<ZodTypeProvider>()
    .post("/api/test/trades", { schema: { body: tradeBody } }, async (req, reply) => {
      deps.feed.trade(req.body.symbol, req.body.price, { quantity: req.body.quantity ?? "0" });
      await app.trading.settled();
      return reply.code(204).send();
    });
}
