import type { PortfolioHistoryResponse, PortfolioResponse } from "@tradeboard/contracts";
import { Decimal, formatAmount, INTERVAL_MS, type MarketSpec } from "@tradeboard/core";
import { type Db, listBalances, listCandles, listLedger, listPositions, type UserRow } from "@tradeboard/db";

export interface PortfolioDeps {
  db: Db;
  specs: readonly MarketSpec[];
  lastPrice(symbol: string): string | undefined;
}

/** What an account holds and what it was worth: read-only views over balances, positions and the ledger. */
export class PortfolioView {
  constructor(private readonly deps: PortfolioDeps) {}

  async portfolio(user: UserRow): Promise<PortfolioResponse> {
    const [balances, positions] = await Promise.all([
      listBalances(this.deps.db, { userId: user.id }),
      listPositions(this.deps.db, { userId: user.id }),
    ]);
    let equity = new Decimal(0);
    for (const b of balances) if (b.asset === "USD") equity = equity.plus(b.available).plus(b.held);
    const shown = positions
      .filter((p) => !new Decimal(p.quantity).isZero() || !new Decimal(p.realizedPnl).isZero())
      .map((p) => {
        const last = new Decimal(this.deps.lastPrice(p.symbol) ?? "0");
        const quantity = new Decimal(p.quantity);
        const marketValue = quantity.times(last);
        equity = equity.plus(marketValue);
        const averageCost = quantity.isZero() ? new Decimal(0) : new Decimal(p.cost).div(quantity);
        return {
          symbol: p.symbol,
          quantity: quantity.toFixed(),
          averageCost: formatAmount(averageCost.toDecimalPlaces(8).toFixed(), "USD"),
          marketValue: marketValue.toFixed(2, Decimal.ROUND_HALF_EVEN),
          unrealizedPnl: marketValue.minus(p.cost).toFixed(2, Decimal.ROUND_HALF_EVEN),
          realizedPnl: new Decimal(p.realizedPnl).toFixed(2, Decimal.ROUND_HALF_EVEN),
        };
      });
    return {
      balances: balances.map((b) => ({
        asset: b.asset,
        available: formatAmount(b.available, b.asset),
        held: formatAmount(b.held, b.asset),
      })),
      positions: shown,
      equity: equity.toFixed(2, Decimal.ROUND_HALF_EVEN),
    };
  }

  /** Equity over time, replayed from the ledger and valued at each candle's close. */
  async equityHistory(user: UserRow, range: "24h" | "7d"): Promise<PortfolioHistoryResponse> {
    const interval = range === "24h" ? "5m" : "1h";
    const now = Date.now();
    const from = now - (range === "24h" ? 86_400_000 : 7 * 86_400_000);
    const [entries, closes] = await Promise.all([
      listLedger(this.deps.db, { userId: user.id }),
      Promise.all(
        this.deps.specs.map(async (spec) => ({
          spec,
          candles: await listCandles(this.deps.db, { symbol: spec.symbol, interval, from, limit: 2_000 }),
        })),
      ),
    ]);
    // The series starts with the account: no flat line of zeros before it existed.
    const opened = entries[0]?.createdAt.getTime() ?? now;
    const times = [...new Set(closes.flatMap((c) => c.candles.map((k) => k.time)))]
      .filter((time) => time > opened)
      .sort((a, b) => a - b);
    const holdings = new Map<string, Decimal>();
    const points: { time: number; equity: string }[] = [];
    let next = 0;
    const valueAt = (time: number, close: (spec: MarketSpec) => string | undefined) => {
      // Entries up to the end of this candle count towards it.
      for (let e = entries[next]; e && e.createdAt.getTime() < time; e = entries[++next]) {
        holdings.set(e.asset, (holdings.get(e.asset) ?? new Decimal(0)).plus(e.availableDelta).plus(e.heldDelta));
      }
      let equity = holdings.get("USD") ?? new Decimal(0);
      for (const spec of this.deps.specs) {
        const quantity = holdings.get(spec.base);
        const price = close(spec);
        if (quantity && price) equity = equity.plus(quantity.times(price));
      }
      return equity.toFixed(2, Decimal.ROUND_HALF_EVEN);
    };
    const length = INTERVAL_MS[interval];
    // The opening deposit is the first point (holdings then are cash, so prices do not matter).
    if (opened >= from)
      points.push({ time: opened, equity: valueAt(opened + 1, (spec) => this.deps.lastPrice(spec.symbol)) });
    for (const time of times) {
      const equity = valueAt(
        time + length,
        (spec) => closes.find((c) => c.spec === spec)?.candles.find((k) => k.time === time)?.close,
      );
      points.push({ time, equity });
    }
    points.push({ time: now, equity: valueAt(now + 1, (spec) => this.deps.lastPrice(spec.symbol)) });
    return { range, points };
  }
}
