import type { Metadata } from "next";
import { BalanceCard } from "@/components/dashboard/balance-card";
import { MarketsDashboard } from "@/components/markets/markets-dashboard";
import { QueryProvider } from "@/components/query-provider";
import { AccountPanel } from "@/components/trading/account-tables";
import { OrderTicket } from "@/components/trading/order-ticket";
import { readMarketParams } from "@/lib/market-params";
import { requireSession } from "@/lib/session";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage({
  searchParams,
}: {
  searchParams: Promise<{ symbol?: string; interval?: string }>;
}) {
  const session = await requireSession("/dashboard");
  const { symbol, interval } = readMarketParams(await searchParams);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight" data-testid="greeting">
          Welcome back, {session.user.name}
        </h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Your paper trading account at a glance.</p>
      </div>
      <QueryProvider>
        <div className="grid items-start gap-6 lg:grid-cols-[1fr_18rem]">
          <div className="min-w-0 space-y-6">
            <MarketsDashboard symbol={symbol} interval={interval} />
            <AccountPanel />
          </div>
          <div className="space-y-6">
            <OrderTicket symbol={symbol} />
            <BalanceCard />
          </div>
        </div>
      </QueryProvider>
    </div>
  );
}
