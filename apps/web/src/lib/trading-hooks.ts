"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  type AlertResponse,
  type ListOrdersResponse,
  type OrderResponse,
  type PlaceOrderBody,
  type PortfolioResponse,
  USER_CHANNEL,
} from "@tradeboard/contracts";
import { useCallback, useEffect } from "react";
import { ALERTS_KEY, alertSound, describeAlert } from "./alert-hooks";
import { apiRequest } from "./api";
import { groupDigits } from "./format";
import { realtime } from "./realtime";
import { toast } from "./toasts";

export const PORTFOLIO_KEY = ["portfolio"] as const;
export const ORDERS_KEY = ["orders"] as const;

export function usePortfolio() {
  return useQuery({
    queryKey: PORTFOLIO_KEY,
    queryFn: ({ signal }) => apiRequest<PortfolioResponse>("/api/portfolio", { signal }),
  });
}

export function useOrders(open: boolean) {
  return useQuery({
    queryKey: [...ORDERS_KEY, open],
    queryFn: ({ signal }) => apiRequest<ListOrdersResponse>(`/api/trades?open=${open}&limit=50`, { signal }),
  });
}

function useRefreshAccount() {
  const queryClient = useQueryClient();
  return useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: PORTFOLIO_KEY });
    void queryClient.invalidateQueries({ queryKey: ORDERS_KEY });
    void queryClient.invalidateQueries({ queryKey: ["balances"] });
  }, [queryClient]);
}

/** The fields an event's order or alert is read by here (the api sends the contract's full response). */
function isOrder(value: unknown): value is OrderResponse {
  const o = value as Partial<OrderResponse> | null | undefined;
  return (
    typeof o?.id === "string" &&
    typeof o.symbol === "string" &&
    (o.side === "buy" || o.side === "sell") &&
    typeof o.filledQuantity === "string" &&
    (o.averagePrice === null || typeof o.averagePrice === "string") &&
    (o.reason === null || typeof o.reason === "string")
  );
}

function isAlert(value: unknown): value is AlertResponse {
  const a = value as Partial<AlertResponse> | null | undefined;
  return typeof a?.id === "string" && typeof a.symbol === "string" && typeof a.condition === "string";
}

export function describeFill(order: OrderResponse): string {
  const verb = order.side === "buy" ? "Bought" : "Sold";
  const base = order.symbol.split("-")[0];
  return `${verb} ${order.filledQuantity} ${base} at ${groupDigits(order.averagePrice ?? "0")}`;
}

export function usePlaceOrder() {
  const refresh = useRefreshAccount();
  return useMutation({
    mutationFn: (body: PlaceOrderBody) => apiRequest<OrderResponse>("/api/trades", { method: "POST", body }),
    onSuccess: refresh,
  });
}

export function useCancelOrder() {
  const refresh = useRefreshAccount();
  return useMutation({
    mutationFn: (id: string) => apiRequest<OrderResponse>(`/api/trades/${id}`, { method: "DELETE" }),
    onSuccess: refresh,
  });
}

/**
 * The signed-in user's private events: fills and cancels toast and refresh the
 * account, in every open tab.
 */
export function useUserEvents(enabled: boolean) {
  const refresh = useRefreshAccount();
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    return realtime.subscribe(USER_CHANNEL, {
      onMessage(message) {
        if (message.type !== "event") return;
        refresh();
        if (message.data.kind === "alert") {
          void queryClient.invalidateQueries({ queryKey: ALERTS_KEY });
          const alert = (message.data as { alert?: unknown }).alert;
          const event = (message.data as { event?: { price?: string } }).event;
          if (isAlert(alert) && event?.price) {
            toast({
              key: `alert:${alert.id}:${event.price}:${alert.lastTriggeredAt}`,
              tone: "info",
              title: "Price alert",
              body: `${describeAlert(alert)}: now ${groupDigits(event.price)}${alert.note ? ` (${alert.note})` : ""}`,
            });
            if (alertSound.enabled()) alertSound.play();
          }
          return;
        }
        const order = (message.data as { order?: unknown }).order;
        if (message.data.kind !== "order" || !isOrder(order)) return;
        const event = (message.data as { event?: string }).event;
        if (event === "filled")
          toast({ key: `${order.id}:filled`, tone: "success", title: "Order filled", body: describeFill(order) });
        else if (event === "rejected")
          toast({ key: `${order.id}:rejected`, tone: "error", title: "Order rejected", body: order.reason ?? "" });
        else if (event === "canceled" && order.reason)
          toast({ tone: "info", title: "Order cancelled", body: order.reason });
      },
      onResync: refresh,
    });
  }, [enabled, refresh, queryClient]);
}
