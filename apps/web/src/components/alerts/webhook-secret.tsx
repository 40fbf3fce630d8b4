"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ALERTS_KEY } from "@/lib/alert-hooks";
import { apiRequest } from "@/lib/api";

/** The webhook signing secret: generated here and shown exactly once. */
export function WebhookSecret() {
  const [secret, setSecret] = useState<string | null>(null);
  const status = useQuery({
    queryKey: [...ALERTS_KEY, "webhook-secret"],
    queryFn: ({ signal }) => apiRequest<{ configured: boolean }>("/api/alerts/webhook-secret", { signal }),
  });
  const generate = useMutation({
    mutationFn: () => apiRequest<{ secret: string }>("/api/alerts/webhook-secret", { method: "POST" }),
    onSuccess: (data) => {
      setSecret(data.secret);
      void status.refetch();
    },
  });
  return (
    <div className="text-sm">
      <h2 className="font-medium">Alert webhook signing secret</h2>
      <p className="mt-1 text-xs text-zinc-500">
        Each webhook carries <code>X-Tradeboard-Signature: sha256=…</code>, an HMAC-SHA256 of the body with this secret.
      </p>
      {secret ? (
        <p
          className="mt-2 rounded bg-zinc-100 p-2 font-mono text-xs break-all dark:bg-zinc-800"
          data-testid="webhook-secret"
        >
          {secret}
          <span className="mt-1 block font-sans text-zinc-500">Copy it now: it will not be shown again.</span>
        </p>
      ) : (
        <p className="mt-2 text-xs text-zinc-500">{status.data?.configured ? "A secret is set." : "No secret yet."}</p>
      )}
      <button
        type="button"
        onClick={() => {
          if (
            !status.data?.configured ||
            window.confirm("Replace the secret? Webhooks signed with the old one stop verifying.")
          ) {
            generate.mutate();
          }
        }}
        className="mt-2 rounded-md border border-zinc-300 px-3 py-1 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
      >
        {status.data?.configured ? "Generate a new secret" : "Generate secret"}
      </button>
    </div>
  );
}
