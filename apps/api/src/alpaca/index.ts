import type { MarketSpec } from "@tradeboard/core";
import type { FastifyInstance } from "fastify";
import { parse as parseLossless } from "lossless-json";
import type { MarketService } from "../services/markets.ts";
import type { TradingService } from "../services/trading.ts";
import { AlpacaError, useAlpacaErrors } from "./errors.ts";
import { alpacaMarketDataRoutes, type LastTrades } from "./market-data.ts";
import { alpacaTradingRoutes } from "./trading-routes.ts";

export const ALPACA_PREFIX = "/alpaca";

/**
 * Alpaca's Trading API (v2) and crypto Market Data API (v1beta3) under
 * `/alpaca`: a thin adapter that translates requests and answers, over the
 * same trading and market services as the native api (one engine, one
 * ledger). Its own scope has Alpaca's error body and a JSON parser that keeps
 * number literals as their text, so `"qty": 0.1` arrives as "0.1", exactly.
 */
export async function useAlpaca(
  app: FastifyInstance,
  deps: {
    trading: TradingService;
    markets: MarketService;
    specs: readonly MarketSpec[];
    slippageRate: string;
    lastTrades: LastTrades;
  },
): Promise<void> {
  await app.register(
    async (scope) => {
      useAlpacaErrors(scope);
      // Alpaca's JS SDK 3 sends DELETEs with an empty Content-Type header: that is no body, not an unknown type.
      scope.addHook("onRequest", async (request) => {
        if (request.headers["content-type"] === "") delete request.headers["content-type"];
      });
      scope.removeContentTypeParser("application/json");
      scope.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
        const text = typeof body === "string" ? body : body.toString("utf8");
        if (text.trim() === "") return done(null, undefined);
        try {
          done(
            null,
            parseLossless(text, null, (number) => number),
          );
        } catch (error) {
          done(
            new AlpacaError(400, 40010000, `request body format is invalid: ${(error as Error).message}`),
            undefined,
          );
        }
      });
      alpacaTradingRoutes(scope, deps);
      alpacaMarketDataRoutes(scope, deps);
    },
    { prefix: ALPACA_PREFIX },
  );
}
