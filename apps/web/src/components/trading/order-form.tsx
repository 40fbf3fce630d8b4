"use client";
import type { MarketSummary, PlaceOrderBody } from "@tradeboard/contracts";
import { checkOrder, Decimal, feeFor, isDecimalString, marketFillPrice } from "@tradeboard/core";
import { type FormEvent, useState } from "react";
import { ApiError } from "@/lib/api";
import { formatMoney, groupDigits } from "@/lib/format";
import { toast } from "@/lib/toasts";
import { describeFill, usePlaceOrder, usePortfolio } from "@/lib/trading-hooks";
import { TicketFrame } from "./ticket-frame";

type OrderType = PlaceOrderBody["type"];
const TYPES: { value: OrderType; label: string }[] = [
  { value: "market", label: "Market" },
  { value: "limit", label: "Limit" },
  { value: "stop", label: "Stop" },
  { value: "stop_limit", label: "Stop limit" },
  { value: "trailing_stop", label: "Trailing stop" },
];

const input =
  "block w-full rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm tabular-nums shadow-sm outline-none focus:border-emerald-500 dark:border-zinc-700 dark:bg-zinc-900";

function DecimalField(props: { label: string; value: string; onChange: (value: string) => void; placeholder: string }) {
  return (
    <label className="block text-xs font-medium text-zinc-600 dark:text-zinc-400">
      {props.label}
      <input
        inputMode="decimal"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value.trim())}
        placeholder={props.placeholder}
        className={`${input} mt-1`}
      />
    </label>
  );
}

export function Ticket({
  market,
  feeRate,
  slippageRate,
}: {
  market: MarketSummary;
  feeRate: string;
  slippageRate: string;
}) {
  const [side, setSide] = useState<"buy" | "sell">("buy");
  const [type, setType] = useState<OrderType>("market");
  const [quantity, setQuantity] = useState("");
  /** Quantity in the base asset, or an amount of the quote asset (market and limit orders). */
  const [byAmount, setByAmount] = useState(false);
  const [limitPrice, setLimitPrice] = useState("");
  const [stopPrice, setStopPrice] = useState("");
  const [timeInForce, setTimeInForce] = useState<"gtc" | "ioc">("gtc");
  const [trailPercent, setTrailPercent] = useState("");
  const [takeProfit, setTakeProfit] = useState("");
  const [stopLoss, setStopLoss] = useState("");
  const [serverError, setServerError] = useState<string | null>(null);
  const portfolio = usePortfolio();
  const place = usePlaceOrder();

  const needsLimit = type === "limit" || type === "stop_limit";
  const needsStop = type === "stop" || type === "stop_limit";
  const trailing = type === "trailing_stop";
  const amountMode = byAmount && (type === "market" || type === "limit");
  const last = market.ticker.price;
  const body: PlaceOrderBody = {
    symbol: market.symbol,
    side,
    type,
    ...(amountMode ? { notional: quantity } : { quantity }),
    ...(needsLimit ? { limitPrice } : {}),
    ...(needsStop ? { stopPrice } : {}),
    ...(trailing ? { trailPercent } : {}),
    timeInForce: needsStop || trailing ? "gtc" : timeInForce,
    ...(side === "buy" && takeProfit ? { takeProfit } : {}),
    ...(side === "buy" && stopLoss ? { stopLoss } : {}),
  };

  // The same rules the api applies, for an answer before anything is sent.
  const problem = (() => {
    for (const [name, value] of [
      ...(trailing ? [["Trail", trailPercent]] : []),
      ...(side === "buy" && takeProfit ? [["Take profit", takeProfit]] : []),
      ...(side === "buy" && stopLoss ? [["Stop loss", stopLoss]] : []),
      ["Quantity", quantity],
      ...(needsLimit ? [["Limit price", limitPrice]] : []),
      ...(needsStop ? [["Stop price", stopPrice]] : []),
    ]) {
      if (!value) return `${name} is required.`;
      if (!isDecimalString(value ?? "")) return `${name} must be a number like 0.5.`;
    }
    const checked = checkOrder(market, body, last);
    return checked.ok ? null : `${checked.message[0]?.toUpperCase()}${checked.message.slice(1)}.`;
  })();

  const estimate = (() => {
    if (!quantity || !isDecimalString(quantity)) return null;
    const price =
      type === "market" || type === "stop" || type === "trailing_stop"
        ? marketFillPrice(market, side, type === "stop" && isDecimalString(stopPrice) ? stopPrice : last, slippageRate)
        : isDecimalString(limitPrice)
          ? new Decimal(limitPrice)
          : null;
    if (!price) return null;
    const checked = checkOrder(market, body, last);
    const units = checked.ok ? checked.quantity : new Decimal(quantity);
    const notional = amountMode && !checked.ok ? new Decimal(quantity) : units.times(price);
    return { notional, fee: feeFor(notional, feeRate, market.quote), units };
  })();

  const usd = portfolio.data?.balances.find((b) => b.asset === market.quote)?.available ?? "0";
  const baseHeld = portfolio.data?.balances.find((b) => b.asset === market.base)?.available ?? "0";
  const affordable =
    !estimate ||
    (side === "buy"
      ? estimate.notional.plus(estimate.fee).lessThanOrEqualTo(usd)
      : new Decimal(quantity || 0).lessThanOrEqualTo(baseHeld));
  const refusal =
    problem ?? (affordable ? null : `Not enough ${side === "buy" ? market.quote : market.base} available.`);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (refusal) return;
    setServerError(null);
    try {
      const order = await place.mutateAsync(body);
      if (order.status === "filled") {
        toast({ key: `${order.id}:filled`, tone: "success", title: "Order filled", body: describeFill(order) });
      } else if (order.status === "canceled")
        toast({ tone: "info", title: "Order cancelled", body: order.reason ?? undefined });
      else
        toast({
          tone: "info",
          title: "Order placed",
          body: `${side === "buy" ? "Buy" : "Sell"} ${quantity} ${market.base} is open.`,
        });
      setQuantity("");
      setTakeProfit("");
      setStopLoss("");
    } catch (error) {
      setServerError(error instanceof ApiError ? error.message : "The order could not be placed.");
    }
  }

  return (
    <TicketFrame title={`Trade ${market.base}/${market.quote}`}>
      <form onSubmit={submit} className="space-y-3" data-testid="order-ticket" noValidate>
        <div className="grid grid-cols-2 gap-1 rounded-lg bg-zinc-100 p-1 dark:bg-zinc-800">
          {(["buy", "sell"] as const).map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={side === s}
              onClick={() => setSide(s)}
              className={`rounded-md py-1.5 text-sm font-medium capitalize ${
                side === s
                  ? s === "buy"
                    ? "bg-emerald-600 text-white"
                    : "bg-red-600 text-white"
                  : "text-zinc-600 dark:text-zinc-300"
              }`}
            >
              {s}
            </button>
          ))}
        </div>
        <label className="block text-xs font-medium text-zinc-600 dark:text-zinc-400">
          Order type
          <select value={type} onChange={(e) => setType(e.target.value as OrderType)} className={`${input} mt-1`}>
            {TYPES.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <DecimalField
          label={amountMode ? `Amount (${market.quote})` : `Quantity (${market.base})`}
          value={quantity}
          onChange={setQuantity}
          placeholder={amountMode ? "100.00" : market.lotSize}
        />
        {(type === "market" || type === "limit") && (
          <button
            type="button"
            onClick={() => setByAmount(!byAmount)}
            className="-mt-2 text-xs text-emerald-600 hover:underline dark:text-emerald-400"
          >
            {amountMode ? `Enter a quantity in ${market.base}` : `Enter an amount in ${market.quote}`}
          </button>
        )}
        {needsStop && (
          <DecimalField
            label={`Stop price (${market.quote})`}
            value={stopPrice}
            onChange={setStopPrice}
            placeholder={last}
          />
        )}
        {needsLimit && (
          <DecimalField
            label={`Limit price (${market.quote})`}
            value={limitPrice}
            onChange={setLimitPrice}
            placeholder={last}
          />
        )}
        {trailing && (
          <DecimalField
            label="Trail (% below the best price for a sell, above for a buy)"
            value={trailPercent}
            onChange={setTrailPercent}
            placeholder="2"
          />
        )}
        {!needsStop && !trailing && type !== "market" && (
          <label className="block text-xs font-medium text-zinc-600 dark:text-zinc-400">
            Time in force
            <select
              value={timeInForce}
              onChange={(e) => setTimeInForce(e.target.value as "gtc" | "ioc")}
              className={`${input} mt-1`}
            >
              <option value="gtc">Good till cancelled</option>
              <option value="ioc">Immediate or cancel</option>
            </select>
          </label>
        )}
        {side === "buy" && (
          <div className="grid grid-cols-2 gap-2">
            <DecimalField label="Take profit" value={takeProfit} onChange={setTakeProfit} placeholder="optional" />
            <DecimalField label="Stop loss" value={stopLoss} onChange={setStopLoss} placeholder="optional" />
          </div>
        )}
        <dl className="space-y-1 text-xs text-zinc-600 dark:text-zinc-400">
          <div className="flex justify-between">
            <dt>Estimated {side === "buy" ? "cost" : "proceeds"}</dt>
            <dd className="tabular-nums" data-testid="ticket-estimate">
              {estimate ? formatMoney(estimate.notional.toFixed(2, Decimal.ROUND_UP), "USD") : "—"}
            </dd>
          </div>
          <div className="flex justify-between">
            <dt>Fee</dt>
            <dd className="tabular-nums">{estimate ? formatMoney(estimate.fee.toFixed(2), "USD") : "—"}</dd>
          </div>
          <div className="flex justify-between">
            <dt>Available</dt>
            <dd className="tabular-nums">
              {side === "buy" ? formatMoney(usd, "USD") : `${groupDigits(baseHeld)} ${market.base}`}
            </dd>
          </div>
        </dl>
        {(quantity && refusal) || serverError ? (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400" data-testid="ticket-error">
            {serverError ?? refusal}
          </p>
        ) : null}
        <button
          type="submit"
          disabled={Boolean(refusal) || place.isPending}
          className={`w-full rounded-md py-2 text-sm font-medium text-white disabled:opacity-50 ${side === "buy" ? "bg-emerald-600 hover:bg-emerald-500" : "bg-red-600 hover:bg-red-500"}`}
        >
          {place.isPending ? "Placing…" : `${side === "buy" ? "Buy" : "Sell"} ${market.base}`}
        </button>
      </form>
    </TicketFrame>
  );
}
