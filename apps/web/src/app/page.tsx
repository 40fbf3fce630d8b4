import Link from "next/link";
import { redirect } from "next/navigation";
import { auth } from "@/auth";
import { MarketsTable } from "@/components/markets/markets-table";
import { Card } from "@/components/ui/card";

export default async function HomePage() {
  if (await auth()) redirect("/dashboard");
  return (
    <div className="space-y-12">
      <section className="mx-auto max-w-2xl pt-10 text-center">
        <p className="text-sm font-medium uppercase tracking-widest text-emerald-600 dark:text-emerald-400">
          Paper trading for crypto
        </p>
        <h1 className="mt-3 text-4xl font-bold tracking-tight sm:text-5xl">
          Trade the live market without risking a cent.
        </h1>
        <p className="mt-5 text-lg text-zinc-600 dark:text-zinc-400">
          Start with a virtual $100,000, follow live prices and candlestick charts, place market, limit and stop orders,
          and get price alerts in real time.
        </p>
        <div className="mt-8 flex justify-center gap-3">
          <Link
            href="/register"
            className="rounded-lg bg-emerald-600 px-5 py-2.5 font-medium text-white hover:bg-emerald-500"
          >
            Create a free account
          </Link>
          <Link
            href="/login"
            className="rounded-lg border border-zinc-300 px-5 py-2.5 font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-900"
          >
            Sign in
          </Link>
        </div>
      </section>
      <Card title="Live markets">
        <MarketsTable linkPrefix="/markets/" />
      </Card>
    </div>
  );
}
