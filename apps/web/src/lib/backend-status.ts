"use client";
import { useSyncExternalStore } from "react";

/** Whether the last call to the api got through; drives the "backend unavailable" notice. */
let available = true;
const listeners = new Set<() => void>();

export function reportBackend(isAvailable: boolean): void {
  if (available === isAvailable) return;
  available = isAvailable;
  for (const listener of listeners) listener();
}

export function useBackendAvailable(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => available,
    () => true,
  );
}
