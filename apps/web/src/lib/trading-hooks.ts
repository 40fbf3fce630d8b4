"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  alertResponse,
  listOrdersResponse,
  type OrderResponse,
  orderResponse,
  type PlaceOrderBody,
  portfolioResponse,
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
    queryFn: ({ signal }) => apiRequest("/api/portfolio", portfolioResponse, { signal }),
  });
}

export function useOrders(open: boolean) {
  return useQuery({
    queryKey: [...ORDERS_KEY, open],
    queryFn: ({ signal }) => apiRequest(`/api/trades?open=${open}&limit=50`, listOrdersResponse, { signal }),
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

export function describeFill(order: OrderResponse): string {
  const verb = order.side === "buy" ? "Bought" : "Sold";
  const base = order.symbol.split("-")[0];
  return `${verb} ${order.filledQuantity} ${base} at ${groupDigits(order.averagePrice ?? "0")}`;
}

export function usePlaceOrder() {
  const refresh = useRefreshAccount();
  return useMutation({
    mutationFn: (body: PlaceOrderBody) => apiRequest("/api/trades", orderResponse, { method: "POST", body }),
    onSuccess: refresh,
  });
}

export function useCancelOrder() {
  const refresh = useRefreshAccount();
  return useMutation({
    mutationFn: (id: string) => apiRequest(`/api/trades/${id}`, orderResponse, { method: "DELETE" }),
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
          const alert = alertResponse.safeParse((message.data as { alert?: unknown }).alert);
          const event = (message.data as { event?: { price?: string } }).event;
          if (alert.success && event?.price) {
            toast({
              key: `alert:${alert.data.id}:${event.price}:${alert.data.lastTriggeredAt}`,
              tone: "info",
              title: "Price alert",
              body: `${describeAlert(alert.data)}: now ${groupDigits(event.price)}${alert.data.note ? ` (${alert.data.note})` : ""}`,
            });
            if (alertSound.enabled()) alertSound.play();
          }
          return;
        }
        const parsed = orderResponse.safeParse((message.data as { order?: unknown }).order);
        if (message.data.kind !== "order" || !parsed.success) return;
        const order = parsed.data;
        const event = (message.data as { event?: string }).event;
        if (event === "filled")
          toast({ key: `${order.id}:filled`, tone: "success", title: "Order filled", body: describeFill(order) });
        else if (event === "canceled" && order.reason)
          toast({ tone: "info", title: "Order cancelled", body: order.reason });
      },
      onResync: refresh,
    });
  }, [enabled, refresh, queryClient]);
}
