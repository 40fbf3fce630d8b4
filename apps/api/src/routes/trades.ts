import { clientOrderParams, listOrdersQuery, orderParams, placeOrderBody } from "@tradeboard/contracts";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";
import type { TradingService } from "../services/trading.ts";

export function tradesRoutes(app: FastifyInstance, deps: { trading: TradingService }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const signedIn = { onRequest: app.requireUser };

  r.post("/api/trades", { ...signedIn, schema: { body: placeOrderBody } }, async (req, reply) => {
    const { order, created } = await deps.trading.placeOrder(req.user, req.body);
    return reply.code(created ? 201 : 200).send(order);
  });

  r.get("/api/trades", { ...signedIn, schema: { querystring: listOrdersQuery } }, async (req) =>
    deps.trading.listOrders(req.user, req.query),
  );

  r.get("/api/trades/:id", { ...signedIn, schema: { params: orderParams } }, async (req) =>
    deps.trading.getOrder(req.user, { id: req.params.id }),
  );

  r.delete("/api/trades/:id", { ...signedIn, schema: { params: orderParams } }, async (req) =>
    deps.trading.cancelOrder(req.user, { id: req.params.id }),
  );

  r.get(
    "/api/trades/by-client-id/:clientOrderId",
    { ...signedIn, schema: { params: clientOrderParams } },
    async (req) => deps.trading.getOrder(req.user, { clientOrderId: req.params.clientOrderId }),
  );

  r.delete(
    "/api/trades/by-client-id/:clientOrderId",
    { ...signedIn, schema: { params: clientOrderParams } },
    async (req) => deps.trading.cancelOrder(req.user, { clientOrderId: req.params.clientOrderId }),
  );

  r.get("/api/portfolio", signedIn, async (req) => deps.trading.portfolio(req.user));
}
