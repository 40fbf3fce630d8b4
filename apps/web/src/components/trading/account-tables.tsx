"use client";
import dynamic from "next/dynamic";
import { useEffect, useState } from "react";
import { groupDigits } from "@/lib/format";
import { useMarkets } from "@/lib/live-markets";
import { toast } from "@/lib/toasts";
import { useCancelOrder, useOrders, usePortfolio } from "@/lib/trading-hooks";

const cell = "px-3 py-2 tabular-nums";
const head = "px-3 py-2 text-left text-xs font-medium uppercase text-zinc-500";

const loadPositions = () => import("./positions-list");
/** The valuation (decimal math) loads while the portfolio does: nothing of it shows before that is in. */
const PositionsList = dynamic(() => loadPositions().then((m) => m.PositionsList), {
  ssr: false,
  loading: () => <p className="p-3 text-sm text-zinc-500">Loading…</p>,
});

/** Positions valued at the live price; the server's figures are as of its last answer. */
export function PositionsTable() {
  const { data, error, isPending } = usePortfolio();
  const markets = useMarkets();
  useEffect(() => {
    loadPositions().catch(() => {});
  }, []);
  if (error) return <p className="p-3 text-sm text-red-600">{error.message}</p>;
  if (isPending) return <p className="p-3 text-sm text-zinc-500">Loading…</p>;
  return <PositionsList portfolio={data} markets={markets.data} />;
}

export function OpenOrdersTable() {
  const { data, error, isPending } = useOrders(true);
  const cancel = useCancelOrder();
  if (error) return <p className="p-3 text-sm text-red-600">{error.message}</p>;
  if (isPending) return <p className="p-3 text-sm text-zinc-500">Loading…</p>;
  if (data.orders.length === 0) return <p className="px-3 py-4 text-sm text-zinc-500">No open orders.</p>;
  return (
    <table className="w-full text-sm" data-testid="open-orders">
      <thead>
        <tr className="border-b border-zinc-200 dark:border-zinc-800">
          <th className={head}>Market</th>
          <th className={head}>Side</th>
          <th className={head}>Type</th>
          <th className={head}>Quantity</th>
          <th className={head}>Price</th>
          <th className={head}>
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {data.orders.map((o) => (
          <tr
            key={o.id}
            data-testid="open-order"
            className="border-b border-zinc-100 last:border-0 dark:border-zinc-800/60"
          >
            <td className="px-3 py-2 font-medium">{o.symbol}</td>
            <td className={`px-3 py-2 capitalize ${o.side === "buy" ? "text-emerald-600" : "text-red-600"}`}>
              {o.side}
            </td>
            <td className="px-3 py-2">{o.type.replace("_", " ")}</td>
            <td className={cell}>{o.quantity}</td>
            <td className={cell}>
              {o.limitPrice ? groupDigits(o.limitPrice) : "market"}
              {o.stopPrice ? ` (stop ${groupDigits(o.stopPrice)})` : ""}
            </td>
            <td className="px-3 py-2 text-right">
              <button
                type="button"
                disabled={cancel.isPending}
                onClick={() =>
                  cancel.mutate(o.id, {
                    onSuccess: () =>
                      toast({ tone: "info", title: "Order cancelled", body: `${o.side} ${o.quantity} ${o.symbol}` }),
                    onError: (e) => toast({ tone: "error", title: "Could not cancel", body: e.message }),
                  })
                }
                className="rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
              >
                Cancel
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Positions and open orders under the chart. */
export function AccountPanel() {
  const [tab, setTab] = useState<"positions" | "orders">("positions");
  return (
    <section className="rounded-xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
      <div className="flex gap-1 border-b border-zinc-200 px-2 pt-2 dark:border-zinc-800" role="tablist">
        {(["positions", "orders"] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            onClick={() => setTab(t)}
            className={`rounded-t-md px-3 py-1.5 text-sm ${tab === t ? "border-b-2 border-emerald-500 font-medium" : "text-zinc-500"}`}
          >
            {t === "positions" ? "Positions" : "Open orders"}
          </button>
        ))}
      </div>
      <div className="overflow-x-auto p-1">{tab === "positions" ? <PositionsTable /> : <OpenOrdersTable />}</div>
    </section>
  );
}
