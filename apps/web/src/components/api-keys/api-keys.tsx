"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ApiKeyScope, ApiKeysResponse, CreatedApiKey } from "@tradeboard/contracts";
import { type FormEvent, useState } from "react";
import { ApiError, apiRequest } from "@/lib/api";

const KEYS = ["api-keys"] as const;
const button =
  "rounded-md border border-zinc-300 px-2 py-1 text-xs font-medium hover:bg-zinc-100 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-800";

function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className={button}
      aria-label={`Copy ${label}`}
      onClick={() => {
        navigator.clipboard
          .writeText(value)
          .then(() => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          })
          .catch(() => setCopied(false));
      }}
    >
      {copied ? "Copied" : "Copy"}
    </button>
  );
}

function Secret({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="space-y-1">
      <p className="text-xs text-zinc-500">{label}</p>
      <div className="flex items-center gap-2">
        <code
          className="min-w-0 flex-1 rounded bg-white px-2 py-1 font-mono text-xs break-all dark:bg-zinc-900"
          data-testid={testId}
        >
          {value}
        </code>
        <CopyButton value={value} label={label.toLowerCase()} />
      </div>
    </div>
  );
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "never");

/** Settings → API keys: keys for bots (Alpaca SDKs, CCXT, scripts); the secret is shown once, at creation. */
export function ApiKeys() {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [scope, setScope] = useState<ApiKeyScope>("trade");
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const keys = useQuery({
    queryKey: KEYS,
    queryFn: ({ signal }) => apiRequest<ApiKeysResponse>("/api/api-keys", { signal }),
  });
  const create = useMutation({
    mutationFn: (body: { name: string; scope: ApiKeyScope }) =>
      apiRequest<CreatedApiKey>("/api/api-keys", { method: "POST", body }),
    onSuccess: (key) => {
      setCreated(key);
      setName("");
      void queryClient.invalidateQueries({ queryKey: KEYS });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => apiRequest<unknown>(`/api/api-keys/${id}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: KEYS }),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, scope });
  };
  const fieldError = create.error instanceof ApiError ? create.error.fields.name : undefined;
  const list = keys.data?.keys ?? [];

  return (
    <div className="space-y-3 text-sm">
      <div>
        <h2 className="font-medium">API keys</h2>
        <p className="mt-1 text-xs text-zinc-500">
          Trade from a bot: a key works with the native api and with Alpaca&apos;s SDKs and CCXT at <code>/alpaca</code>
          . A <em>read</em> key can only look; a <em>trade</em> key can also place and cancel orders. The{" "}
          <a className="underline hover:text-zinc-700 dark:hover:text-zinc-300" href="/api/docs">
            API reference
          </a>{" "}
          lists every endpoint.
        </p>
      </div>

      <form onSubmit={submit} className="flex flex-wrap items-end gap-2" aria-label="Create an API key">
        <div className="min-w-40 flex-1 space-y-1">
          <label htmlFor="api-key-name" className="block text-xs font-medium">
            Name
          </label>
          <input
            id="api-key-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={100}
            required
            placeholder="grid bot"
            aria-invalid={fieldError ? true : undefined}
            className="block w-full rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm outline-none focus:border-emerald-500 focus:ring-2 focus:ring-emerald-500/30 dark:border-zinc-700 dark:bg-zinc-900"
          />
        </div>
        <div className="space-y-1">
          <label htmlFor="api-key-scope" className="block text-xs font-medium">
            Scope
          </label>
          <select
            id="api-key-scope"
            value={scope}
            onChange={(e) => setScope(e.target.value as ApiKeyScope)}
            className="block rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
          >
            <option value="trade">trade</option>
            <option value="read">read</option>
          </select>
        </div>
        <button
          type="submit"
          disabled={create.isPending}
          className="rounded-md bg-emerald-600 px-3 py-1.5 text-xs font-medium text-white hover:bg-emerald-500 disabled:opacity-60"
        >
          Create key
        </button>
      </form>
      {create.error && (
        <p role="alert" className="text-red-600 dark:text-red-400">
          {create.error.message}
        </p>
      )}

      {created && (
        <div
          className="space-y-2 rounded-md border border-emerald-300 bg-emerald-50 p-3 dark:border-emerald-900 dark:bg-emerald-950"
          data-testid="new-api-key"
        >
          <p className="text-xs font-medium">
            “{created.name}” ({created.scope}) is ready. Copy the secret now: it will not be shown again.
          </p>
          <Secret label="Key id (APCA_API_KEY_ID)" value={created.keyId} testId="new-key-id" />
          <Secret label="Secret (APCA_API_SECRET_KEY)" value={created.secret} testId="new-key-secret" />
          <button type="button" className={button} onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}

      {keys.isPending ? (
        <p className="text-xs text-zinc-500">Loading…</p>
      ) : keys.error ? (
        <p role="alert" className="text-red-600 dark:text-red-400">
          {keys.error.message}
        </p>
      ) : list.length === 0 ? (
        <p className="text-xs text-zinc-500" data-testid="no-api-keys">
          No API key yet.
        </p>
      ) : (
        <ul className="divide-y divide-zinc-200 rounded-md border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
          {list.map((key) => (
            <li key={key.id} className="flex items-center gap-3 px-3 py-2" data-testid="api-key">
              <div className="min-w-0 flex-1">
                <p className="truncate">
                  <span className="font-medium">{key.name}</span>{" "}
                  <span className="rounded bg-zinc-100 px-1 text-xs dark:bg-zinc-800">{key.scope}</span>
                  {key.revokedAt && (
                    <span className="ml-1 rounded bg-red-100 px-1 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">
                      revoked
                    </span>
                  )}
                </p>
                <p className="truncate font-mono text-xs text-zinc-500" title={key.keyId}>
                  {key.keyId}
                </p>
                <p className="text-xs text-zinc-500">
                  created {when(key.createdAt)} · last used {when(key.lastUsedAt)}
                </p>
              </div>
              {!key.revokedAt && (
                <button
                  type="button"
                  className={button}
                  disabled={revoke.isPending}
                  onClick={() => {
                    if (window.confirm(`Revoke “${key.name}”? Bots using it stop working at once.`)) {
                      revoke.mutate(key.id);
                    }
                  }}
                >
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {revoke.error && (
        <p role="alert" className="text-red-600 dark:text-red-400">
          {revoke.error.message}
        </p>
      )}
    </div>
  );
}
