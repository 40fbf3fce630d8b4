"use client";
import type { MarketsResponse, PortfolioResponse } from "@tradeboard/contracts";
import { Decimal } from "@tradeboard/core";
import { groupDigits } from "@/lib/format";

const cell = "px-3 py-2 tabular-nums";
const head = "px-3 py-2 text-left text-xs font-medium uppercase text-zinc-500";

function Pnl({ value }: { value: string }) {
  const color = value.startsWith("-")
    ? "text-red-600 dark:text-red-400"
    : /^0(\.0+)?$/.test(value)
      ? ""
      : "text-emerald-600 dark:text-emerald-400";
  return <span className={color}>{groupDigits(value)}</span>;
}

/** Positions valued at the live price; the server's figures are as of its last answer. */
export function PositionsList({
  portfolio: data,
  markets,
}: {
  portfolio: PortfolioResponse;
  markets?: MarketsResponse;
}) {
  const livePrice = (symbol: string) => markets?.markets.find((m) => m.symbol === symbol)?.ticker.price;
  let equity = data.balances
    .filter((b) => b.asset === "USD")
    .reduce((sum, b) => sum.plus(b.available).plus(b.held), new Decimal(0));
  const open = data.positions
    .filter((p) => p.quantity !== "0")
    .map((p) => {
      const price = livePrice(p.symbol);
      if (!price) {
        equity = equity.plus(p.marketValue);
        return p;
      }
      const value = new Decimal(p.quantity).times(price);
      equity = equity.plus(value);
      const cost = new Decimal(p.quantity).times(p.averageCost);
      return { ...p, marketValue: value.toFixed(2), unrealizedPnl: value.minus(cost).toFixed(2) };
    });
  return (
    <div>
      <p className="px-3 py-2 text-sm">
        Equity{" "}
        <span className="font-semibold tabular-nums" data-testid="equity">
          ${groupDigits(data.equity)}
        </span>
      </p>
      {open.length === 0 ? (
        <p className="px-3 py-4 text-sm text-zinc-500">No positions yet. Buy something with the order ticket.</p>
      ) : (
        <table className="w-full text-sm" data-testid="positions">
          <thead>
            <tr className="border-b border-zinc-200 dark:border-zinc-800">
              <th className={head}>Market</th>
              <th className={head}>Quantity</th>
              <th className={head}>Avg cost</th>
              <th className={head}>Value</th>
              <th className={head}>Unrealized</th>
              <th className={head}>Realized</th>
            </tr>
          </thead>
          <tbody>
            {open.map((p) => (
              <tr
                key={p.symbol}
                data-testid={`position-${p.symbol}`}
                className="border-b border-zinc-100 last:border-0 dark:border-zinc-800/60"
              >
                <td className="px-3 py-2 font-medium">{p.symbol}</td>
                <td className={cell}>{p.quantity}</td>
                <td className={cell}>{groupDigits(p.averageCost)}</td>
                <td className={cell}>{groupDigits(p.marketValue)}</td>
                <td className={cell}>
                  <Pnl value={p.unrealizedPnl} />
                </td>
                <td className={cell}>
                  <Pnl value={p.realizedPnl} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
