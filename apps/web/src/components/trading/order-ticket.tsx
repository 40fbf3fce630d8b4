"use client";
import dynamic from "next/dynamic";
import { useEffect } from "react";
import { useMarkets } from "@/lib/live-markets";
import { TicketFrame } from "./ticket-frame";

const loadForm = () => import("./order-form");
/** The form and its decimal math load while the markets do: nothing of it shows before they are in. */
const Ticket = dynamic(() => loadForm().then((m) => m.Ticket), {
  ssr: false,
  loading: () => <TicketFrame title="Trade">Loading…</TicketFrame>,
});

/** Buy or sell the selected market: estimates cost and fee, and refuses what cannot be done before sending. */
export function OrderTicket({ symbol }: { symbol: string }) {
  const markets = useMarkets();
  useEffect(() => {
    loadForm().catch(() => {});
  }, []);
  const market = markets.data?.markets.find((m) => m.symbol === symbol);
  if (!market || !markets.data) return <TicketFrame title="Trade">Loading…</TicketFrame>;
  return (
    <Ticket
      key={symbol}
      market={market}
      feeRate={markets.data.trading.feeRate}
      slippageRate={markets.data.trading.slippageRate}
    />
  );
}
