import { DEFAULT_MARKETS } from "@tradeboard/core";
import type { Metadata } from "next";
import { QueryProvider } from "@/components/query-provider";
import { HistoryView } from "@/components/trading/history-view";
import { requireSession } from "@/lib/session";

export const metadata: Metadata = { title: "History" };

export default async function HistoryPage() {
  await requireSession("/history");
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Trade history</h1>
      <QueryProvider>
        <HistoryView symbols={DEFAULT_MARKETS.map((m) => m.symbol)} />
      </QueryProvider>
    </div>
  );
}
