import type { Metadata } from "next";
import Link from "next/link";
import { auth } from "@/auth";
import { MarketView } from "@/components/markets/market-view";
import { QueryProvider } from "@/components/query-provider";
import { readMarketParams } from "@/lib/market-params";

export async function generateMetadata({ params }: { params: Promise<{ symbol: string }> }): Promise<Metadata> {
  return { title: readMarketParams(await params).symbol };
}

/** A public chart page for one market. */
export default async function MarketPage({
  params,
  searchParams,
}: {
  params: Promise<{ symbol: string }>;
  searchParams: Promise<{ interval?: string }>;
}) {
  const { symbol, interval } = readMarketParams({ ...(await params), ...(await searchParams) });
  const session = await auth();
  return (
    <div className="space-y-4">
      <Link href="/" className="text-sm text-zinc-600 hover:underline dark:text-zinc-400">
        ← All markets
      </Link>
      <QueryProvider>
        <MarketView symbol={symbol} interval={interval} signedIn={session !== null} />
      </QueryProvider>
    </div>
  );
}
