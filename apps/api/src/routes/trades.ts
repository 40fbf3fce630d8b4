import {
  clientOrderParams,
  exportOrdersQuery,
  listOrdersQuery,
  type OrderResponse,
  orderParams,
  placeOrderBody,
  portfolioHistoryQuery,
} from "@tradeboard/contracts";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";
import type { TradingService } from "../services/trading.ts";

/** One line per fill (or per order without fills), amounts exactly as the api has them. */
function ordersCsv(orders: OrderResponse[]): string {
  const header = [
    "order_id",
    "client_order_id",
    "created_at",
    "symbol",
    "side",
    "type",
    "status",
    "quantity",
    "limit_price",
    "stop_price",
    "fill_time",
    "fill_price",
    "fill_quantity",
    "fee",
  ];
  const quote = (value: string | null) =>
    value === null ? "" : /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  const lines = [header.join(",")];
  for (const o of orders) {
    const common = [
      o.id,
      o.clientOrderId,
      o.createdAt,
      o.symbol,
      o.side,
      o.type,
      o.status,
      o.quantity,
      o.limitPrice,
      o.stopPrice,
    ];
    const fills = o.fills.length > 0 ? o.fills : [null];
    for (const f of fills)
      lines.push(
        [...common, f?.time ?? null, f?.price ?? null, f?.quantity ?? null, f?.fee ?? null].map(quote).join(","),
      );
  }
  return `${lines.join("\n")}\n`;
}

export function tradesRoutes(app: FastifyInstance, deps: { trading: TradingService; startingBalance: string }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const signedIn = { onRequest: app.requireUser };

  // Market orders are executed in group commits: services/trading/market-order-batcher.ts.
  r.post("/api/trades", { ...signedIn, schema: { body: placeOrderBody } }, async (req, reply) => {
    const { order, created } = await deps.trading.placeOrder(req.user, req.body);
    return reply.code(created ? 201 : 200).send(order);
  });

  // The database writes the page's JSON (packages/db/src/queries/orders.ts): sent as it comes.
  r.get("/api/trades", { ...signedIn, schema: { querystring: listOrdersQuery } }, async (req, reply) =>
    reply.type("application/json; charset=utf-8").send(await deps.trading.listOrdersJson(req.user, req.query)),
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

  r.get("/api/portfolio/history", { ...signedIn, schema: { querystring: portfolioHistoryQuery } }, async (req) =>
    deps.trading.equityHistory(req.user, req.query.range),
  );

  r.post("/api/portfolio/reset", signedIn, async (req) => {
    await deps.trading.resetAccount(req.user, deps.startingBalance);
    return deps.trading.portfolio(req.user);
  });

  r.get("/api/trades/export.csv", { ...signedIn, schema: { querystring: exportOrdersQuery } }, async (req, reply) => {
    const orders = await deps.trading.findOrders(req.user, { ...req.query, limit: 100_000, offset: 0 });
    reply
      .header("content-type", "text/csv; charset=utf-8")
      .header("content-disposition", 'attachment; filename="tradeboard-orders.csv"');
    return ordersCsv(orders);
  });
}
