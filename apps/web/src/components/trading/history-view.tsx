"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ListOrdersResponse, PortfolioHistoryResponse, PortfolioResponse } from "@tradeboard/contracts";
import dynamic from "next/dynamic";
import { useState } from "react";
import { apiRequest } from "@/lib/api";
import { groupDigits } from "@/lib/format";
import { toast } from "@/lib/toasts";

const EquityChart = dynamic(() => import("./equity-chart").then((m) => m.EquityChart), { ssr: false });

const select = "rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900";
const PAGE = 25;

export function HistoryView({ symbols }: { symbols: string[] }) {
  const [filters, setFilters] = useState({ symbol: "", side: "", status: "" });
  const [page, setPage] = useState(0);
  const [range, setRange] = useState<"24h" | "7d">("7d");
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
  const orders = useQuery({
    queryKey: ["orders", "history", filters, page],
    queryFn: ({ signal }) =>
      apiRequest<ListOrdersResponse>(`/api/trades?${query}&limit=${PAGE}&offset=${page * PAGE}`, { signal }),
  });
  const equity = useQuery({
    queryKey: ["portfolio", "history", range],
    queryFn: ({ signal }) => apiRequest<PortfolioHistoryResponse>(`/api/portfolio/history?range=${range}`, { signal }),
  });
  const queryClient = useQueryClient();
  const reset = useMutation({
    mutationFn: () => apiRequest<PortfolioResponse>("/api/portfolio/reset", { method: "POST" }),
    onSuccess: () => {
      void queryClient.invalidateQueries();
      toast({ tone: "info", title: "Account reset", body: "Your paper balance is back to the start." });
    },
  });
  const set = (key: keyof typeof filters) => (e: React.ChangeEvent<HTMLSelectElement>) => {
    setFilters({ ...filters, [key]: e.target.value });
    setPage(0);
  };
  const pages = Math.max(1, Math.ceil((orders.data?.total ?? 0) / PAGE));

  return (
    <div className="space-y-6">
      <section className="rounded-xl border border-zinc-200 bg-white p-4 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
        <div className="mb-2 flex items-center justify-between">
          <h2 className="text-sm font-medium text-zinc-500">Equity</h2>
          <div className="flex gap-1">
            {(["24h", "7d"] as const).map((r) => (
              <button
                key={r}
                type="button"
                aria-pressed={range === r}
                onClick={() => setRange(r)}
                className={`rounded px-2 py-0.5 text-xs ${range === r ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900" : "text-zinc-500"}`}
              >
                {r}
              </button>
            ))}
          </div>
        </div>
        {equity.data ? <EquityChart points={equity.data.points} /> : <div className="h-56" />}
      </section>

      <section className="rounded-xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
        <div className="flex flex-wrap items-center gap-2 border-b border-zinc-200 p-3 dark:border-zinc-800">
          <select aria-label="Market" value={filters.symbol} onChange={set("symbol")} className={select}>
            <option value="">All markets</option>
            {symbols.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          <select aria-label="Side" value={filters.side} onChange={set("side")} className={select}>
            <option value="">Buy and sell</option>
            <option value="buy">Buy</option>
            <option value="sell">Sell</option>
          </select>
          <select aria-label="Status" value={filters.status} onChange={set("status")} className={select}>
            <option value="">Any status</option>
            {["new", "filled", "canceled", "rejected"].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          <a
            href={`/api/trades/export.csv?${query}`}
            className="ml-auto text-sm font-medium text-emerald-600 hover:underline"
            download
          >
            Export CSV
          </a>
        </div>
        <div className="overflow-x-auto">
          <table className="w-full text-sm" data-testid="order-history">
            <thead>
              <tr className="text-left text-xs uppercase text-zinc-500">
                {["Time", "Market", "Side", "Type", "Status", "Quantity", "Avg price", "Fee"].map((h) => (
                  <th key={h} className="px-3 py-2 font-medium">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {orders.data?.orders.map((o) => (
                <tr key={o.id} className="border-t border-zinc-100 tabular-nums dark:border-zinc-800/60">
                  <td className="px-3 py-2 text-zinc-500">{o.createdAt.slice(0, 19).replace("T", " ")}</td>
                  <td className="px-3 py-2 font-medium">{o.symbol}</td>
                  <td className={`px-3 py-2 capitalize ${o.side === "buy" ? "text-emerald-600" : "text-red-600"}`}>
                    {o.side}
                  </td>
                  <td className="px-3 py-2">{o.type.replace("_", " ")}</td>
                  <td className="px-3 py-2">
                    {o.status}
                    {/* Why a rejected or cancelled order ended (e.g. insufficient funds at the trigger price). */}
                    {o.reason && (o.status === "rejected" || o.status === "canceled") ? (
                      <span className="block text-xs text-zinc-500">{o.reason}</span>
                    ) : null}
                  </td>
                  <td className="px-3 py-2">
                    {o.filledQuantity}/{o.quantity}
                  </td>
                  <td className="px-3 py-2">{o.averagePrice ? groupDigits(o.averagePrice) : "—"}</td>
                  <td className="px-3 py-2">{o.fills.length ? o.fills.map((f) => f.fee).join(" + ") : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {orders.data?.orders.length === 0 && <p className="p-4 text-sm text-zinc-500">No orders match.</p>}
        </div>
        <div className="flex items-center justify-between p-3 text-sm">
          <span className="text-zinc-500">
            Page {page + 1} of {pages}
          </span>
          <div className="flex gap-2">
            <button
              type="button"
              disabled={page === 0}
              onClick={() => setPage(page - 1)}
              className="rounded border px-2 py-1 disabled:opacity-40 dark:border-zinc-700"
            >
              ← Previous
            </button>
            <button
              type="button"
              disabled={page + 1 >= pages}
              onClick={() => setPage(page + 1)}
              className="rounded border px-2 py-1 disabled:opacity-40 dark:border-zinc-700"
            >
              Next →
            </button>
          </div>
        </div>
      </section>

      <section className="rounded-xl border border-red-200 p-4 dark:border-red-900">
        <h2 className="font-medium">Reset paper account</h2>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Cancels open orders, closes positions and restores the starting balance. Order history is kept.
        </p>
        <button
          type="button"
          disabled={reset.isPending}
          onClick={() => {
            if (
              window.confirm(
                "Reset your paper account to the starting balance? Open orders are cancelled and positions closed.",
              )
            )
              reset.mutate();
          }}
          className="mt-3 rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-500 disabled:opacity-50"
        >
          Reset account
        </button>
      </section>
    </div>
  );
}
