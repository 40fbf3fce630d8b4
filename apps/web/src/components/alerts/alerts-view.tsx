"use client";
import type { AlertResponse } from "@tradeboard/contracts";
import { isDecimalString } from "@tradeboard/core";
import Link from "next/link";
import { type FormEvent, useEffect, useState } from "react";
import {
  alertSound,
  describeAlert,
  useAlertEvents,
  useAlerts,
  useCreateAlert,
  useDeleteAlert,
  useUpdateAlert,
} from "@/lib/alert-hooks";
import { ApiError } from "@/lib/api";
import { groupDigits } from "@/lib/format";
import { toast } from "@/lib/toasts";

const field =
  "mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900";
const label = "block text-xs font-medium text-zinc-600 dark:text-zinc-400";
const card = "rounded-xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900";

const STATUS_LOOK: Record<AlertResponse["status"], string> = {
  active: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200",
  paused: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  triggered: "bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-200",
  expired: "bg-zinc-100 text-zinc-500 dark:bg-zinc-800 dark:text-zinc-500",
};

export function AlertForm({
  symbols,
  symbol: initialSymbol,
  price: initialPrice,
}: {
  symbols: string[];
  symbol?: string;
  price?: string;
}) {
  const [symbol, setSymbol] = useState(initialSymbol ?? symbols[0] ?? "BTC-USD");
  const [condition, setCondition] = useState<"above" | "below" | "crosses" | "move">("above");
  const [percent, setPercent] = useState("");
  const [moveWindow, setMoveWindow] = useState<"5m" | "1h" | "24h">("1h");
  const [price, setPrice] = useState(initialPrice ?? "");
  const [frequency, setFrequency] = useState<"once" | "every_time">("once");
  const [cooldown, setCooldown] = useState("0");
  const [expires, setExpires] = useState("");
  const [note, setNote] = useState("");
  const [webhookUrl, setWebhookUrl] = useState("");
  const [error, setError] = useState<string | null>(null);
  const create = useCreateAlert();
  useEffect(() => {
    if (initialPrice) setPrice(initialPrice);
  }, [initialPrice]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const isMove = condition === "move";
    if (isMove && !isDecimalString(percent)) return setError("Enter a percentage such as 5.");
    if (!isMove && !isDecimalString(price)) return setError("Enter a price such as 65000.00.");
    try {
      const alert = await create.mutateAsync({
        symbol,
        condition,
        ...(isMove ? { percent, window: moveWindow } : { price }),
        frequency,
        cooldownSeconds: Number.parseInt(cooldown || "0", 10) || 0,
        ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}),
        ...(note ? { note } : {}),
        ...(webhookUrl ? { webhookUrl } : {}),
      });
      toast({ tone: "success", title: "Alert created", body: describeAlert(alert) });
      setNote("");
    } catch (e) {
      setError(e instanceof ApiError ? (Object.values(e.fields)[0] ?? e.message) : "The alert could not be created.");
    }
  }

  return (
    <form onSubmit={submit} className="grid gap-3 sm:grid-cols-2" data-testid="alert-form" noValidate>
      <label className={label}>
        Market
        <select value={symbol} onChange={(e) => setSymbol(e.target.value)} className={field}>
          {symbols.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <label className={label}>
        When the price
        <select value={condition} onChange={(e) => setCondition(e.target.value as typeof condition)} className={field}>
          <option value="above">rises to</option>
          <option value="below">falls to</option>
          <option value="crosses">crosses</option>
          <option value="move">moves by %</option>
        </select>
      </label>
      {condition === "move" ? (
        <div className="grid grid-cols-2 gap-2">
          <label className={label}>
            Move (%)
            <input
              inputMode="decimal"
              value={percent}
              onChange={(e) => setPercent(e.target.value.trim())}
              className={field}
            />
          </label>
          <label className={label}>
            Within
            <select
              value={moveWindow}
              onChange={(e) => setMoveWindow(e.target.value as typeof moveWindow)}
              className={field}
            >
              <option value="5m">5 minutes</option>
              <option value="1h">1 hour</option>
              <option value="24h">24 hours</option>
            </select>
          </label>
        </div>
      ) : (
        <label className={label}>
          Price (USD)
          <input
            inputMode="decimal"
            value={price}
            onChange={(e) => setPrice(e.target.value.trim())}
            className={field}
          />
        </label>
      )}
      <label className={label}>
        Fire
        <select value={frequency} onChange={(e) => setFrequency(e.target.value as typeof frequency)} className={field}>
          <option value="once">once</option>
          <option value="every_time">every time</option>
        </select>
      </label>
      {frequency === "every_time" && (
        <label className={label}>
          Cooldown (seconds)
          <input
            inputMode="numeric"
            value={cooldown}
            onChange={(e) => setCooldown(e.target.value.trim())}
            className={field}
          />
        </label>
      )}
      <label className={label}>
        Expires (optional)
        <input type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} className={field} />
      </label>
      <label className={`${label} sm:col-span-2`}>
        Note (optional)
        <input value={note} maxLength={280} onChange={(e) => setNote(e.target.value)} className={field} />
      </label>
      <label className={`${label} sm:col-span-2`}>
        Webhook URL (optional)
        <input
          type="url"
          value={webhookUrl}
          placeholder="https://example.com/hooks/tradeboard"
          onChange={(e) => setWebhookUrl(e.target.value.trim())}
          className={field}
        />
      </label>
      {error && (
        <p role="alert" className="text-sm text-red-600 sm:col-span-2 dark:text-red-400">
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={create.isPending}
        className="rounded-md bg-emerald-600 px-4 py-2 text-sm font-medium text-white hover:bg-emerald-500 disabled:opacity-50 sm:col-span-2"
      >
        Create alert
      </button>
    </form>
  );
}

function AlertRow({ alert }: { alert: AlertResponse }) {
  const update = useUpdateAlert();
  const remove = useDeleteAlert();
  const [editing, setEditing] = useState(false);
  const [price, setPrice] = useState(alert.price ?? "");
  const [note, setNote] = useState(alert.note ?? "");
  const [error, setError] = useState<string | null>(null);
  const button =
    "rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800";
  const save = async () => {
    if (alert.condition !== "move" && !isDecimalString(price)) return setError("Enter a price such as 65000.00.");
    try {
      await update.mutateAsync({
        id: alert.id,
        body: { ...(alert.condition !== "move" ? { price } : {}), note: note || null },
      });
      setEditing(false);
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? (Object.values(e.fields)[0] ?? e.message) : "The alert could not be saved.");
    }
  };
  return (
    <tr className="border-t border-zinc-100 dark:border-zinc-800/60" data-testid="alert-row" data-status={alert.status}>
      <td className="px-3 py-2">
        {editing ? (
          <div className="flex flex-wrap gap-2">
            {alert.condition !== "move" && (
              <input
                aria-label="Alert price"
                inputMode="decimal"
                value={price}
                onChange={(e) => setPrice(e.target.value.trim())}
                className="w-32 rounded border border-zinc-300 px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
              />
            )}
            <input
              aria-label="Alert note"
              value={note}
              maxLength={280}
              placeholder="note"
              onChange={(e) => setNote(e.target.value)}
              className="min-w-0 flex-1 rounded border border-zinc-300 px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
            />
            {error && <p className="w-full text-xs text-red-600">{error}</p>}
          </div>
        ) : (
          <>
            <div className="font-medium">{describeAlert(alert)}</div>
            <div className="text-xs text-zinc-500">
              {alert.frequency === "once"
                ? "once"
                : `every time${alert.cooldownSeconds ? `, ${alert.cooldownSeconds}s cooldown` : ""}`}
              {alert.expiresAt ? ` · until ${alert.expiresAt.slice(0, 16).replace("T", " ")}` : ""}
              {alert.webhookUrl ? " · webhook" : ""}
              {alert.note ? ` · ${alert.note}` : ""}
            </div>
            {error && (
              <p role="alert" className="text-xs text-red-600 dark:text-red-400">
                {error}
              </p>
            )}
          </>
        )}
      </td>
      <td className="px-3 py-2">
        <span className={`rounded-full px-2 py-0.5 text-xs ${STATUS_LOOK[alert.status]}`} data-testid="alert-status">
          {alert.status}
        </span>
      </td>
      <td className="px-3 py-2 text-xs text-zinc-500 tabular-nums">
        {alert.lastTriggeredAt?.slice(0, 19).replace("T", " ") ?? "—"}
      </td>
      <td className="space-x-1 px-3 py-2 text-right whitespace-nowrap">
        {editing ? (
          <>
            <button type="button" className={button} onClick={() => void save()}>
              Save
            </button>
            <button type="button" className={button} onClick={() => setEditing(false)}>
              Cancel
            </button>
          </>
        ) : (
          <>
            <button type="button" className={button} onClick={() => setEditing(true)}>
              Edit
            </button>
            {alert.status === "active" && (
              <button
                type="button"
                className={button}
                onClick={() => update.mutate({ id: alert.id, body: { status: "paused" } })}
              >
                Pause
              </button>
            )}
            {(alert.status === "paused" || alert.status === "triggered") && (
              <button
                type="button"
                className={button}
                onClick={() =>
                  update.mutate(
                    { id: alert.id, body: { status: "active" } },
                    {
                      onSuccess: () => setError(null),
                      // Such as the active-alert limit: say why it stays as it is.
                      onError: (e) =>
                        setError(e instanceof ApiError ? e.message : "The alert could not be changed. Try again."),
                    },
                  )
                }
              >
                {alert.status === "paused" ? "Resume" : "Re-arm"}
              </button>
            )}
            <button type="button" className={button} onClick={() => remove.mutate(alert.id)}>
              Delete
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

export function AlertsView({ symbols }: { symbols: string[] }) {
  const alerts = useAlerts();
  const events = useAlertEvents();
  const [sound, setSound] = useState(false);
  useEffect(() => setSound(alertSound.enabled()), []);
  return (
    <div className="grid items-start gap-6 lg:grid-cols-[22rem_1fr]">
      <section className={`${card} p-4`}>
        <h2 className="mb-3 text-sm font-medium text-zinc-500">New alert</h2>
        <AlertForm symbols={symbols} />
        <label className="mt-4 flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={sound}
            onChange={(e) => {
              alertSound.set(e.target.checked);
              setSound(e.target.checked);
              if (e.target.checked) alertSound.play();
            }}
          />
          Play a sound when an alert fires
        </label>
        <p className="mt-4 border-t border-zinc-200 pt-4 text-xs text-zinc-500 dark:border-zinc-800">
          Webhooks are signed with the secret you generate in{" "}
          <Link href="/settings" className="text-emerald-600 hover:underline">
            Settings
          </Link>
          .
        </p>
      </section>
      <div className="space-y-6">
        <section className={card}>
          <h2 className="px-4 pt-4 text-sm font-medium text-zinc-500">Your alerts</h2>
          {alerts.data?.alerts.length === 0 ? (
            <p className="p-4 text-sm text-zinc-500">No alerts yet.</p>
          ) : (
            <table className="w-full text-sm" data-testid="alerts">
              <tbody>
                {alerts.data?.alerts.map((a) => (
                  <AlertRow key={a.id} alert={a} />
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className={card}>
          <h2 className="px-4 pt-4 text-sm font-medium text-zinc-500">Fired</h2>
          {events.data?.events.length === 0 ? (
            <p className="p-4 text-sm text-zinc-500">No alert has fired yet.</p>
          ) : (
            <table className="w-full text-sm" data-testid="alert-events">
              <tbody>
                {events.data?.events.map((e) => (
                  <tr key={e.id} className="border-t border-zinc-100 tabular-nums dark:border-zinc-800/60">
                    <td className="px-4 py-2 text-zinc-500">{e.triggeredAt.slice(0, 19).replace("T", " ")}</td>
                    <td className="px-4 py-2">{e.symbol}</td>
                    <td className="px-4 py-2">{groupDigits(e.price)}</td>
                    <td className="px-4 py-2 text-xs text-zinc-500">
                      {e.webhookStatus === "none"
                        ? ""
                        : `webhook ${e.webhookStatus}${e.webhookAttempts ? ` (${e.webhookAttempts} ${e.webhookAttempts === 1 ? "attempt" : "attempts"})` : ""}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}
