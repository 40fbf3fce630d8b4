import { createHash } from "node:crypto";
import type { OrderResponse, PortfolioResponse } from "@tradeboard/contracts";
import { Decimal, type MarketSpec } from "@tradeboard/core";
import type { UserRow } from "@tradeboard/db";

/**
 * Our objects in Alpaca's shapes: snake_case, decimals as strings, RFC 3339
 * times, `BTC/USD` symbols (positions say `BTCUSD`, as Alpaca's do).
 */

const NAMES: Record<string, string> = { BTC: "Bitcoin", ETH: "Ethereum", SOL: "Solana", USD: "US Dollar" };

/** "BTC-USD" → "BTC/USD" */
export const alpacaSymbol = (spec: Pick<MarketSpec, "base" | "quote">) => `${spec.base}/${spec.quote}`;
/** "BTC-USD" → "BTCUSD", as Alpaca names crypto positions. */
export const positionSymbol = (spec: Pick<MarketSpec, "base" | "quote">) => `${spec.base}${spec.quote}`;

const assetIds = new Map<string, string>();

/** A stable id per market, derived from its symbol (name-based, RFC 4122 layout). */
export function assetId(symbol: string): string {
  const known = assetIds.get(symbol);
  if (known) return known;
  const id = computeAssetId(symbol);
  // Bounded by the markets there are (a handful); unknown symbols are never asked for.
  if (assetIds.size < 1_000) assetIds.set(symbol, id);
  return id;
}

function computeAssetId(symbol: string): string {
  const hash = createHash("sha1").update(`tradeboard-asset:${symbol}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The market an Alpaca symbol names: `BTC/USD`, `BTCUSD`, `BTC-USD` (any
 * case), or the asset id; undefined when there is none.
 */
export function findAlpacaMarket(input: string, specs: readonly MarketSpec[]): MarketSpec | undefined {
  const text = input.trim().toUpperCase();
  return specs.find(
    (spec) =>
      `${spec.base}/${spec.quote}` === text ||
      `${spec.base}${spec.quote}` === text ||
      spec.symbol === text ||
      assetId(spec.symbol) === input.trim().toLowerCase(),
  );
}

export function toAlpacaAsset(spec: MarketSpec) {
  return {
    id: assetId(spec.symbol),
    class: "crypto",
    exchange: "CRYPTO",
    symbol: alpacaSymbol(spec),
    name: `${NAMES[spec.base] ?? spec.base} / ${NAMES[spec.quote] ?? spec.quote}`,
    status: "active",
    tradable: true,
    marginable: false,
    maintenance_margin_requirement: 100,
    shortable: false,
    easy_to_borrow: false,
    fractionable: true,
    attributes: [] as string[],
    min_order_size: spec.lotSize,
    min_trade_increment: spec.lotSize,
    price_increment: spec.tickSize,
  };
}

/**
 * An order in Alpaca's shape. Without a client-chosen id, `client_order_id`
 * is the order's own id (Alpaca generates one too). Tradeboard keeps no
 * cancel or expiry time of its own, so those times are the order's last
 * change that it does know: its last fill, else its creation.
 */
export function toAlpacaOrder(order: OrderResponse, spec: MarketSpec, legs: OrderResponse[] | null = null): unknown {
  const lastFill = order.fills.at(-1);
  const updatedAt = lastFill?.time ?? order.createdAt;
  const bracket = order.takeProfit !== null || order.stopLoss !== null || order.parentOrderId !== null;
  return {
    id: order.id,
    client_order_id: order.clientOrderId ?? order.id,
    created_at: order.createdAt,
    updated_at: updatedAt,
    submitted_at: order.createdAt,
    filled_at: order.status === "filled" ? updatedAt : null,
    expired_at: order.status === "expired" ? updatedAt : null,
    canceled_at: order.status === "canceled" ? updatedAt : null,
    failed_at: order.status === "rejected" ? updatedAt : null,
    replaced_at: null,
    replaced_by: null,
    replaces: null,
    asset_id: assetId(spec.symbol),
    symbol: alpacaSymbol(spec),
    asset_class: "crypto",
    notional: null,
    qty: order.quantity,
    filled_qty: order.filledQuantity,
    filled_avg_price: order.averagePrice,
    order_class: bracket ? "bracket" : "",
    order_type: order.type,
    type: order.type,
    side: order.side,
    position_intent: order.side === "buy" ? "buy_to_open" : "sell_to_close",
    time_in_force: order.timeInForce,
    limit_price: order.limitPrice,
    stop_price: order.stopPrice,
    status: order.status,
    extended_hours: false,
    legs: legs === null ? null : legs.map((leg) => toAlpacaOrder(leg, spec)),
    trail_percent: order.trailPercent,
    trail_price: order.trailPrice,
    hwm: null,
    subtag: null,
    source: null,
    expires_at: null,
  };
}

export type PortfolioPosition = PortfolioResponse["positions"][number];

export function toAlpacaPosition(
  position: PortfolioPosition,
  spec: MarketSpec,
  market: { price: string; open24h: string; available: string },
) {
  const marketValue = new Decimal(position.marketValue);
  const unrealized = new Decimal(position.unrealizedPnl);
  const costBasis = marketValue.minus(unrealized);
  const open = new Decimal(market.open24h);
  const price = new Decimal(market.price);
  const quantity = new Decimal(position.quantity);
  const intraday = price.minus(open).times(quantity).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
  const ratio = (a: Decimal, b: Decimal) => (b.isZero() ? "0" : a.div(b).toDecimalPlaces(8).toFixed());
  return {
    asset_id: assetId(spec.symbol),
    symbol: positionSymbol(spec),
    exchange: "CRYPTO",
    asset_class: "crypto",
    asset_marginable: false,
    qty: position.quantity,
    qty_available: market.available,
    avg_entry_price: position.averageCost,
    side: "long",
    market_value: position.marketValue,
    cost_basis: costBasis.toFixed(2),
    unrealized_pl: position.unrealizedPnl,
    unrealized_plpc: ratio(unrealized, costBasis),
    unrealized_intraday_pl: intraday.toFixed(2),
    unrealized_intraday_plpc: ratio(intraday, open.times(quantity)),
    current_price: price.toFixed(),
    lastday_price: open.toFixed(),
    change_today: ratio(price.minus(open), open),
  };
}

export function toAlpacaAccount(user: UserRow, portfolio: PortfolioResponse) {
  const usd = portfolio.balances.find((b) => b.asset === "USD");
  const cash = new Decimal(usd?.available ?? "0");
  const positionsValue = portfolio.positions.reduce((sum, p) => sum.plus(p.marketValue), new Decimal(0));
  const equity = portfolio.equity;
  const money = (d: Decimal) => d.toFixed(2, Decimal.ROUND_HALF_EVEN);
  return {
    id: user.id,
    account_number: `TB${user.id.replaceAll("-", "").slice(0, 10).toUpperCase()}`,
    status: "ACTIVE",
    crypto_status: "ACTIVE",
    currency: "USD",
    // What an order can spend now: open orders' reservations are not in it.
    buying_power: money(cash),
    regt_buying_power: money(cash),
    daytrading_buying_power: "0",
    effective_buying_power: money(cash),
    non_marginable_buying_power: money(cash),
    bod_dtbp: "0",
    cash: money(cash),
    accrued_fees: "0",
    pending_transfer_in: "0",
    pending_transfer_out: "0",
    portfolio_value: equity,
    pattern_day_trader: false,
    trading_blocked: false,
    transfers_blocked: false,
    account_blocked: false,
    created_at: user.createdAt.toISOString(),
    trade_suspended_by_user: false,
    multiplier: "1",
    shorting_enabled: false,
    equity,
    last_equity: equity,
    long_market_value: money(positionsValue),
    short_market_value: "0",
    position_market_value: money(positionsValue),
    initial_margin: "0",
    maintenance_margin: "0",
    last_maintenance_margin: "0",
    sma: "0",
    daytrade_count: 0,
    crypto_tier: 1,
    options_trading_level: 0,
  };
}
