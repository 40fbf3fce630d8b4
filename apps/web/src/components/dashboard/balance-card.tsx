"use client";
import { useQuery } from "@tanstack/react-query";
import type { BalancesResponse } from "@tradeboard/contracts";
import { Card } from "@/components/ui/card";
import { apiRequest } from "@/lib/api";
import { formatMoney } from "@/lib/format";

export function BalanceCard() {
  const { data, error, isPending } = useQuery({
    queryKey: ["balances"],
    queryFn: ({ signal }) => apiRequest<BalancesResponse>("/api/balances", { signal }),
  });
  const usd = data?.balances.find((b) => b.asset === "USD");
  const others = data?.balances.filter((b) => b.asset !== "USD") ?? [];
  return (
    <Card title="Paper balance">
      {isPending ? (
        <div
          className="h-9 w-48 animate-pulse rounded bg-zinc-200 dark:bg-zinc-800"
          role="status"
          aria-label="Loading balance"
        />
      ) : error ? (
        <p className="text-sm text-red-600 dark:text-red-400" role="alert">
          {error.message}
        </p>
      ) : (
        <>
          <p className="text-3xl font-semibold tabular-nums" data-testid="balance-usd">
            {formatMoney(usd?.available ?? "0.00", "USD")}
          </p>
          <p className="mt-1 text-sm text-zinc-500">
            available{usd && usd.held !== "0.00" ? ` · ${formatMoney(usd.held, "USD")} reserved by open orders` : ""}
          </p>
          {others.length > 0 && (
            <ul className="mt-4 space-y-1 text-sm">
              {others.map((b) => (
                <li key={b.asset} className="flex justify-between gap-2 tabular-nums">
                  <span>{b.asset}</span>
                  <span className="text-right">
                    {formatMoney(b.available, b.asset)}
                    {/^0(\.0+)?$/.test(b.held) ? null : (
                      <span className="block text-xs text-zinc-500">{formatMoney(b.held, b.asset)} reserved</span>
                    )}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Card>
  );
}
