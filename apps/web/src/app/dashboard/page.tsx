import type { Metadata } from "next";
import { BalanceCard } from "@/components/dashboard/balance-card";
import { Card } from "@/components/ui/card";
import { requireSession } from "@/lib/session";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const session = await requireSession("/dashboard");
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight" data-testid="greeting">
          Welcome back, {session.user.name}
        </h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Your paper trading account at a glance.</p>
      </div>
      <div className="grid gap-6 md:grid-cols-3">
        <BalanceCard />
        <Card title="Markets" className="md:col-span-2">
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Live prices and charts arrive here with the market feed.
          </p>
        </Card>
      </div>
    </div>
  );
}
