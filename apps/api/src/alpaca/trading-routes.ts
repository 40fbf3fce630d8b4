import {
  type AlpacaOrderBody,
  alpacaAssetsQuery,
  alpacaClientOrderQuery,
  alpacaCloseAllQuery,
  alpacaClosePositionQuery,
  alpacaListOrdersQuery,
  alpacaOrderBody,
  type OrderResponse,
  type PlaceOrderBody,
} from "@tradeboard/contracts";
import { Decimal, isUuid, type MarketSpec } from "@tradeboard/core";
import type { UserRow } from "@tradeboard/db";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { z } from "zod";
import { AppError } from "../errors.ts";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";
import type { MarketService } from "../services/markets.ts";
import type { TradingService } from "../services/trading.ts";
import { AlpacaError, alpacaErrors } from "./errors.ts";
import {
  findAlpacaMarket,
  positionSymbol,
  toAlpacaAccount,
  toAlpacaAsset,
  toAlpacaOrder,
  toAlpacaPosition,
} from "./format.ts";

export interface AlpacaDeps {
  trading: TradingService;
  markets: MarketService;
  specs: readonly MarketSpec[];
}

const CLIENT_ORDER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const PAGE = 200;
/** GET /v2/orders reads at most this many orders of history per request (newest first). */
const MAX_SCAN = 10_000;
const OPEN = new Set(["new", "partially_filled"]);

/** The native order body for an Alpaca order request, or Alpaca's error for what Tradeboard does not do. */
export function toPlaceOrderBody(body: AlpacaOrderBody, specs: readonly MarketSpec[]): PlaceOrderBody {
  const spec = findAlpacaMarket(body.symbol, specs);
  if (!spec) throw alpacaErrors.invalid(`asset not found: ${body.symbol}`);
  if (body.time_in_force !== "gtc" && body.time_in_force !== "ioc") {
    throw alpacaErrors.invalid(`invalid crypto time_in_force: ${body.time_in_force} (gtc and ioc are supported)`);
  }
  if (body.qty !== undefined && body.notional !== undefined) {
    throw alpacaErrors.invalid("only one of qty and notional can be given");
  }
  if (body.qty === undefined && body.notional === undefined) throw alpacaErrors.invalid("qty or notional is required");
  if (body.client_order_id !== undefined && !CLIENT_ORDER_ID.test(body.client_order_id)) {
    throw alpacaErrors.invalid("client_order_id: at most 64 letters, digits and _ . : - here");
  }
  const orderClass = body.order_class ?? "";
  if (orderClass === "oco" || orderClass === "oto" || orderClass === "mleg") {
    throw alpacaErrors.invalid(`order_class ${orderClass} is not supported (simple and bracket are)`);
  }
  const bracket = orderClass === "bracket";
  if (!bracket && (body.take_profit || body.stop_loss)) {
    throw alpacaErrors.invalid("take_profit and stop_loss need order_class bracket");
  }
  if (bracket) {
    if (!body.take_profit || !body.stop_loss) {
      throw alpacaErrors.invalid("bracket orders must have both take_profit and stop_loss");
    }
    if (body.side !== "buy") throw alpacaErrors.invalid("bracket orders must be buys here (there is no short selling)");
    if (body.stop_loss.limit_price !== undefined) {
      throw alpacaErrors.invalid("stop_loss.limit_price is not supported (the stop-loss leg is a stop order)");
    }
  }
  return {
    symbol: spec.symbol,
    side: body.side,
    type: body.type,
    quantity: body.qty,
    notional: body.notional,
    limitPrice: body.limit_price,
    stopPrice: body.stop_price,
    trailPrice: body.trail_price,
    trailPercent: body.trail_percent,
    timeInForce: body.time_in_force,
    clientOrderId: body.client_order_id,
    takeProfit: bracket ? body.take_profit?.limit_price : undefined,
    stopLoss: bracket ? body.stop_loss?.stop_price : undefined,
  };
}

/** The part of the path after a prefix, decoded once: `BTC/USD`, `BTC%2FUSD` and `BTCUSD` all name a market. */
function pathRest(request: FastifyRequest): string {
  const params = request.params as Record<string, string | undefined>;
  const raw = params["*"] ?? "";
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function alpacaTradingRoutes(scope: FastifyInstance, deps: AlpacaDeps): void {
  const r = scope.withTypeProvider<ZodTypeProvider>();
  const signedIn = { onRequest: scope.requireUser };
  const { trading, markets, specs } = deps;

  const specOf = (symbol: string): MarketSpec => {
    const spec = specs.find((s) => s.symbol === symbol);
    if (!spec) throw new AlpacaError(500, 50010000, `no market ${symbol}`);
    return spec;
  };

  /** Orders with their bracket exits as `legs` (bracket buys only; the others have none). */
  async function withLegs(user: UserRow, orders: OrderResponse[]) {
    const parents = orders.filter((o) => o.takeProfit !== null || o.stopLoss !== null).map((o) => o.id);
    const exits = parents.length > 0 ? await trading.exitsOf(user, parents) : new Map<string, OrderResponse[]>();
    // Take-profit first, then stop-loss, as Alpaca lists a bracket's legs.
    const legsOf = (id: string) =>
      [...(exits.get(id) ?? [])].sort((a, b) => (a.type === "limit" ? -1 : 0) - (b.type === "limit" ? -1 : 0));
    return orders.map((o) => toAlpacaOrder(o, specOf(o.symbol), parents.includes(o.id) ? legsOf(o.id) : null));
  }

  async function findOrder(user: UserRow, id: string): Promise<OrderResponse> {
    if (!isUuid(id)) throw alpacaErrors.notFound("order not found");
    try {
      return await trading.getOrder(user, { id });
    } catch (error) {
      if (error instanceof AppError && error.code === "not_found") throw alpacaErrors.notFound("order not found");
      throw error;
    }
  }

  async function positionsOf(user: UserRow) {
    const portfolio = await trading.portfolio(user);
    const result: { spec: MarketSpec; position: ReturnType<typeof toAlpacaPosition> }[] = [];
    for (const p of portfolio.positions) {
      if (new Decimal(p.quantity).isZero()) continue;
      const spec = specOf(p.symbol);
      const ticker = markets.get(p.symbol)?.ticker;
      const available = portfolio.balances.find((b) => b.asset === spec.base)?.available ?? "0";
      const price = ticker?.price ?? markets.lastPrice(p.symbol) ?? "0";
      result.push({
        spec,
        position: toAlpacaPosition(p, spec, {
          price,
          open24h: ticker?.open24h ?? price,
          available: Decimal.min(available, p.quantity).toFixed(),
        }),
      });
    }
    return result;
  }

  async function closePosition(user: UserRow, spec: MarketSpec, amount: { qty?: string; percentage?: string }) {
    const held = (await positionsOf(user)).find((p) => p.spec.symbol === spec.symbol);
    if (!held) throw alpacaErrors.notFound("position does not exist");
    if (amount.qty !== undefined && amount.percentage !== undefined) {
      throw alpacaErrors.invalid("only one of qty and percentage can be given");
    }
    let quantity = new Decimal(held.position.qty);
    if (amount.qty !== undefined) {
      quantity = new Decimal(amount.qty);
      if (quantity.greaterThan(held.position.qty)) {
        throw alpacaErrors.forbidden(
          `insufficient qty available for order (requested: ${amount.qty}, available: ${held.position.qty})`,
        );
      }
    } else if (amount.percentage !== undefined) {
      const percent = new Decimal(amount.percentage);
      if (percent.lessThanOrEqualTo(0) || percent.greaterThan(100)) {
        throw alpacaErrors.invalid("percentage must be above 0 and at most 100");
      }
      // Down to the lot size: never sell more than the share asked for.
      const lots = quantity.times(percent).div(100).div(spec.lotSize).floor();
      quantity = lots.times(spec.lotSize);
      if (quantity.isZero()) throw alpacaErrors.invalid("percentage is below the smallest lot of this position");
    }
    const { order } = await trading.placeOrder(user, {
      symbol: spec.symbol,
      side: "sell",
      type: "market",
      quantity: quantity.toFixed(),
      timeInForce: "gtc",
    });
    return toAlpacaOrder(order, spec);
  }

  const marketFromPath = (request: FastifyRequest): MarketSpec => {
    const spec = findAlpacaMarket(pathRest(request), specs);
    if (!spec) throw alpacaErrors.notFound(`asset not found: ${pathRest(request)}`);
    return spec;
  };

  r.get("/v2/account", signedIn, async (req) => toAlpacaAccount(req.user, await trading.portfolio(req.user)));

  r.get("/v2/clock", async () => {
    const now = new Date();
    const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    // Crypto trades around the clock: always open; the next "close" is only the next UTC day.
    return {
      timestamp: now.toISOString(),
      is_open: true,
      next_open: midnight.toISOString(),
      next_close: midnight.toISOString(),
    };
  });

  r.get("/v2/assets", { ...signedIn, schema: { querystring: alpacaAssetsQuery } }, async (req) => {
    const { asset_class: assetClass, status } = req.query;
    if ((assetClass !== undefined && assetClass !== "crypto") || status === "inactive") return [];
    return specs.map(toAlpacaAsset);
  });

  r.get("/v2/assets/*", signedIn, async (req) => toAlpacaAsset(marketFromPath(req)));

  r.post("/v2/orders", { ...signedIn, schema: { body: alpacaOrderBody } }, async (req) => {
    const { order, created } = await trading.placeOrder(req.user, toPlaceOrderBody(req.body, specs));
    if (!created) throw alpacaErrors.duplicateClientOrderId();
    const [shown] = await withLegs(req.user, [order]);
    return shown;
  });

  r.get("/v2/orders", { ...signedIn, schema: { querystring: alpacaListOrdersQuery } }, async (req) => {
    return withLegs(req.user, await listOrders(req.user, req.query));
  });

  async function listOrders(user: UserRow, q: z.output<typeof alpacaListOrdersQuery>): Promise<OrderResponse[]> {
    let symbols: Set<string> | undefined;
    if (q.symbols) {
      symbols = new Set();
      for (const name of q.symbols.split(",").filter((s) => s.trim() !== "")) {
        const spec = findAlpacaMarket(name, specs);
        if (!spec) throw alpacaErrors.invalid(`asset not found: ${name}`);
        symbols.add(spec.symbol);
      }
    }
    const only = symbols?.size === 1 ? [...symbols][0] : undefined;
    const matches: OrderResponse[] = [];
    for (let offset = 0; offset < MAX_SCAN; offset += PAGE) {
      const page = await trading.findOrders(user, {
        symbol: only,
        side: q.side,
        open: q.status === "open" ? true : undefined,
        limit: PAGE,
        offset,
      });
      let older = false;
      for (const order of page) {
        const time = Date.parse(order.createdAt);
        if (q.after !== undefined && time <= q.after) {
          older = true;
          continue;
        }
        if (q.until !== undefined && time >= q.until) continue;
        if (q.status === "closed" && OPEN.has(order.status)) continue;
        if (symbols && !symbols.has(order.symbol)) continue;
        if (q.nested && order.parentOrderId !== null) continue;
        matches.push(order);
      }
      // Pages come newest first: past `after` there is nothing more to find.
      if (older || page.length < PAGE || (q.direction === "desc" && matches.length >= q.limit)) break;
    }
    return q.direction === "desc" ? matches.slice(0, q.limit) : matches.reverse().slice(0, q.limit);
  }

  r.get(
    "/v2/orders::by_client_order_id",
    { ...signedIn, schema: { querystring: alpacaClientOrderQuery } },
    async (req) => {
      const wanted = req.query.client_order_id;
      let order: OrderResponse | undefined;
      if (CLIENT_ORDER_ID.test(wanted)) {
        order = await trading.getOrder(req.user, { clientOrderId: wanted }).catch((error: unknown) => {
          if (error instanceof AppError && error.code === "not_found") return undefined;
          throw error;
        });
      }
      // An order placed without one answers to its own id, which is what it shows as client_order_id.
      if (!order && isUuid(wanted)) {
        const byId = await findOrder(req.user, wanted).catch(() => undefined);
        if (byId && byId.clientOrderId === null) order = byId;
      }
      if (!order) throw alpacaErrors.notFound("order not found");
      const [shown] = await withLegs(req.user, [order]);
      return shown;
    },
  );

  r.get("/v2/orders/:id", signedIn, async (req) => {
    const order = await findOrder(req.user, (req.params as { id: string }).id);
    const [shown] = await withLegs(req.user, [order]);
    return shown;
  });

  r.delete("/v2/orders/:id", signedIn, async (req, reply) => {
    const order = await findOrder(req.user, (req.params as { id: string }).id);
    if (!OPEN.has(order.status)) throw alpacaErrors.notCancelable(`order is already in "${order.status}" state`);
    await trading.cancelOrder(req.user, { id: order.id });
    return reply.code(204).send();
  });

  r.delete("/v2/orders", signedIn, async (req, reply) => {
    const open = await listOrders(req.user, alpacaListOrdersQuery.parse({ status: "open", limit: "500" }));
    const results = [];
    for (const order of open) {
      try {
        const canceled = await trading.cancelOrder(req.user, { id: order.id });
        results.push({ id: order.id, status: 200, body: toAlpacaOrder(canceled, specOf(canceled.symbol)) });
      } catch (error) {
        // A bracket exit goes with its twin: cancelled already, which is what was asked.
        const now = await trading.getOrder(req.user, { id: order.id }).catch(() => undefined);
        if (now?.status === "canceled") {
          results.push({ id: order.id, status: 200, body: toAlpacaOrder(now, specOf(now.symbol)) });
          continue;
        }
        const message = error instanceof Error ? error.message : "could not cancel";
        results.push({ id: order.id, status: 500, body: { code: 50010000, message } });
      }
    }
    return reply.code(207).send(results);
  });

  r.get("/v2/positions", signedIn, async (req) => (await positionsOf(req.user)).map((p) => p.position));

  r.get("/v2/positions/*", signedIn, async (req) => {
    const spec = marketFromPath(req);
    const held = (await positionsOf(req.user)).find((p) => p.spec.symbol === spec.symbol);
    if (!held) throw alpacaErrors.notFound("position does not exist");
    return held.position;
  });

  r.delete("/v2/positions/*", { ...signedIn, schema: { querystring: alpacaClosePositionQuery } }, async (req) =>
    closePosition(req.user, marketFromPath(req), req.query),
  );

  r.delete("/v2/positions", { ...signedIn, schema: { querystring: alpacaCloseAllQuery } }, async (req, reply) => {
    if (req.query.cancel_orders) {
      for (const order of await listOrders(req.user, alpacaListOrdersQuery.parse({ status: "open", limit: "500" }))) {
        await trading.cancelOrder(req.user, { id: order.id }).catch(() => undefined);
      }
    }
    const results = [];
    for (const { spec, position } of await positionsOf(req.user)) {
      try {
        const body = await closePosition(req.user, spec, { qty: position.qty_available });
        results.push({ symbol: positionSymbol(spec), status: 200, body });
      } catch (error) {
        const mapped =
          error instanceof AlpacaError
            ? error
            : error instanceof AppError && error.code === "insufficient_funds"
              ? alpacaErrors.forbidden(error.message)
              : error instanceof AppError
                ? alpacaErrors.invalid(error.message)
                : new AlpacaError(500, 50010000, "internal server error");
        results.push({
          symbol: positionSymbol(spec),
          status: mapped.status,
          body: { code: mapped.code, message: mapped.message },
        });
      }
    }
    return reply.code(207).send(results);
  });
}
