"use client";
import { useSyncExternalStore } from "react";

export interface Toast {
  id: number;
  /** Toasts with the same key are shown once (a fill seen by the ticket and by the socket). */
  key?: string;
  title: string;
  body?: string;
  tone: "success" | "info" | "error";
}

const NONE: Toast[] = [];
let toasts: Toast[] = NONE;
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => {
  for (const listener of listeners) listener();
};

/** Shows a toast for a few seconds. */
export function toast(message: Omit<Toast, "id">, durationMs = 6_000): void {
  if (message.key && toasts.some((t) => t.key === message.key)) return;
  const id = nextId++;
  toasts = [...toasts.slice(-4), { ...message, id }];
  emit();
  setTimeout(() => dismissToast(id), durationMs);
}

export function dismissToast(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

export function useToasts(): Toast[] {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => toasts,
    () => NONE,
  );
}
