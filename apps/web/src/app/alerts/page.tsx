import { DEFAULT_MARKETS } from "@tradeboard/core";
import type { Metadata } from "next";
import { AlertsView } from "@/components/alerts/alerts-view";
import { QueryProvider } from "@/components/query-provider";
import { requireSession } from "@/lib/session";

export const metadata: Metadata = { title: "Alerts" };

export default async function AlertsPage() {
  await requireSession("/alerts");
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Price alerts</h1>
      <QueryProvider>
        <AlertsView symbols={DEFAULT_MARKETS.map((m) => m.symbol)} />
      </QueryProvider>
    </div>
  );
}
