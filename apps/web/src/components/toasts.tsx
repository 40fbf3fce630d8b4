"use client";
import { dismissToast, useToasts } from "@/lib/toasts";

const TONES = {
  success: "border-emerald-300 dark:border-emerald-800",
  info: "border-zinc-300 dark:border-zinc-700",
  error: "border-red-300 dark:border-red-800",
} as const;

export function Toasts() {
  const toasts = useToasts();
  return (
    <div className="pointer-events-none fixed right-4 bottom-4 z-50 flex w-80 flex-col gap-2" aria-live="polite">
      {toasts.map((t) => (
        <div
          key={t.id}
          role="status"
          data-testid="toast"
          className={`pointer-events-auto rounded-lg border-l-4 bg-white p-3 text-sm shadow-lg dark:bg-zinc-900 ${TONES[t.tone]}`}
        >
          <div className="flex items-start justify-between gap-2">
            <p className="font-medium">{t.title}</p>
            <button
              type="button"
              aria-label="Dismiss"
              onClick={() => dismissToast(t.id)}
              className="text-zinc-400 hover:text-zinc-700 dark:hover:text-zinc-200"
            >
              ×
            </button>
          </div>
          {t.body && <p className="mt-0.5 text-zinc-600 dark:text-zinc-400">{t.body}</p>}
        </div>
      ))}
    </div>
  );
}
