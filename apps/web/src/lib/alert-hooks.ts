"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type {
  AlertEventsResponse,
  AlertResponse,
  AlertsResponse,
  CreateAlertBody,
  UpdateAlertBody,
} from "@tradeboard/contracts";
import { apiRequest } from "./api";
import { groupDigits } from "./format";

export const ALERTS_KEY = ["alerts"] as const;

export function useAlerts(enabled = true) {
  return useQuery({
    queryKey: ALERTS_KEY,
    queryFn: ({ signal }) => apiRequest<AlertsResponse>("/api/alerts", { signal }),
    enabled,
  });
}

export function useAlertEvents() {
  return useQuery({
    queryKey: [...ALERTS_KEY, "events"],
    queryFn: ({ signal }) => apiRequest<AlertEventsResponse>("/api/alerts/events?limit=50", { signal }),
  });
}

function useRefresh() {
  const queryClient = useQueryClient();
  return () => void queryClient.invalidateQueries({ queryKey: ALERTS_KEY });
}

export function useCreateAlert() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (body: Partial<CreateAlertBody>) => apiRequest<AlertResponse>("/api/alerts", { method: "POST", body }),
    onSuccess: refresh,
  });
}

export function useUpdateAlert() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateAlertBody }) =>
      apiRequest<AlertResponse>(`/api/alerts/${id}`, { method: "PATCH", body }),
    onSuccess: refresh,
  });
}

export function useDeleteAlert() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: async (id: string) => {
      const response = await fetch(`/api/alerts/${id}`, { method: "DELETE", credentials: "same-origin" });
      if (!response.ok) throw new Error("The alert could not be deleted.");
    },
    onSuccess: refresh,
  });
}

export function describeAlert(
  alert: Pick<AlertResponse, "symbol" | "condition" | "price" | "percent" | "window">,
): string {
  if (alert.condition === "move") return `${alert.symbol} moves ${alert.percent}% within ${alert.window}`;
  const level = alert.price ? groupDigits(alert.price) : "";
  const verb = alert.condition === "above" ? "rises to" : alert.condition === "below" ? "falls to" : "crosses";
  return `${alert.symbol} ${verb} ${level}`;
}

const SOUND_KEY = "tradeboard:alert-sound";
export const alertSound = {
  enabled: () => typeof localStorage !== "undefined" && localStorage.getItem(SOUND_KEY) === "on",
  set: (on: boolean) => localStorage.setItem(SOUND_KEY, on ? "on" : "off"),
  /** A short two-tone chime, made on the spot (no audio file to fetch). */
  play() {
    try {
      const context = new AudioContext();
      for (const [i, frequency] of [880, 1320].entries()) {
        const oscillator = context.createOscillator();
        const gain = context.createGain();
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.15, context.currentTime + i * 0.15);
        gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + i * 0.15 + 0.3);
        oscillator.connect(gain).connect(context.destination);
        oscillator.start(context.currentTime + i * 0.15);
        oscillator.stop(context.currentTime + i * 0.15 + 0.3);
      }
    } catch {
      // No audio here (autoplay policy, no device): the toast is enough.
    }
  },
};
