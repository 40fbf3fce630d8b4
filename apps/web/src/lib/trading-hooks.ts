"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  listOrdersResponse,
  type OrderResponse,
  orderResponse,
  type PlaceOrderBody,
  portfolioResponse,
  USER_CHANNEL,
} from "@tradeboard/contracts";
import { useCallback, useEffect } from "react";
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
  useEffect(() => {
    if (!enabled) return;
    return realtime.subscribe(USER_CHANNEL, {
      onMessage(message) {
        if (message.type !== "event") return;
        refresh();
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
  }, [enabled, refresh]);
}
