import { candlesQuery, marketParams } from "@tradeboard/contracts";
import type { FastifyInstance } from "fastify";
import { AppError } from "../errors.ts";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";
import type { MarketService } from "../services/markets.ts";

function unknownMarket(symbol: string): AppError {
  return new AppError("not_found", `There is no market ${symbol}.`);
}

export function marketsRoutes(
  app: FastifyInstance,
  deps: { markets: MarketService; rates: { feeRate: string; slippageRate: string } },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get("/api/markets", async () => ({
    markets: deps.markets.list(),
    feed: deps.markets.feedStatus(),
    trading: deps.rates,
  }));

  r.get("/api/markets/:symbol", { schema: { params: marketParams } }, async (req) => {
    const market = deps.markets.get(req.params.symbol);
    if (!market) throw unknownMarket(req.params.symbol);
    return market;
  });

  r.get(
    "/api/markets/:symbol/candles",
    { schema: { params: marketParams, querystring: candlesQuery } },
    async (req) => {
      const candles = await deps.markets.candles(req.params.symbol, req.query);
      if (!candles) throw unknownMarket(req.params.symbol);
      return { symbol: req.params.symbol, interval: req.query.interval, candles };
    },
  );
}
