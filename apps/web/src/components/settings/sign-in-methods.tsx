"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { SetPasswordResponse, SignInMethodsResponse } from "@tradeboard/contracts";
import { signIn } from "next-auth/react";
import { type FormEvent, useState } from "react";
import type { ProviderChoice } from "@/components/auth/provider-buttons";
import { RequestResetForm } from "@/components/auth/reset-password-forms";
import { Field, FormAlert } from "@/components/ui/field";
import { ApiError, apiRequest } from "@/lib/api";

const METHODS_KEY = ["sign-in-methods"] as const;
const button =
  "rounded-md border border-zinc-300 px-2 py-1 text-xs font-medium hover:bg-zinc-100 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-800";

function PasswordForm({ hasPassword, onDone }: { hasPassword: boolean; onDone: () => void }) {
  const [fields, setFields] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (body: { currentPassword?: string; password: string }) =>
      apiRequest<SetPasswordResponse>("/api/users/me/password", { method: "PUT", body }),
    onSuccess: onDone,
    onError: (error) => setFields(error instanceof ApiError ? error.fields : {}),
  });
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setFields({});
    const password = String(form.get("new-password") ?? "");
    if (password !== form.get("confirm-password")) return setFields({ confirm: "the two passwords are not the same" });
    save.mutate({ ...(hasPassword ? { currentPassword: String(form.get("current-password") ?? "") } : {}), password });
  }
  if (save.data) {
    return (
      <p role="status" className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="password-saved">
        Password saved.{" "}
        {save.data.endedSessions > 0 &&
          `${save.data.endedSessions === 1 ? "1 other session was" : `${save.data.endedSessions} other sessions were`} signed out.`}
      </p>
    );
  }
  const general = save.error && !(save.error instanceof ApiError && Object.keys(save.error.fields).length > 0);
  return (
    <form
      onSubmit={onSubmit}
      className="space-y-3"
      noValidate
      aria-label={hasPassword ? "Change password" : "Set a password"}
    >
      {general && <FormAlert>{save.error?.message}</FormAlert>}
      {hasPassword && (
        <Field
          id="current-password"
          name="current-password"
          type="password"
          label="Current password"
          autoComplete="current-password"
          error={fields.currentPassword}
        />
      )}
      <Field
        id="new-password"
        name="new-password"
        type="password"
        label={hasPassword ? "New password" : "Password"}
        autoComplete="new-password"
        error={fields.password}
      />
      <Field
        id="confirm-password"
        name="confirm-password"
        type="password"
        label="Again"
        autoComplete="new-password"
        error={fields.confirm}
      />
      <button type="submit" disabled={save.isPending} className={button}>
        {save.isPending ? "Saving…" : hasPassword ? "Change password" : "Set password"}
      </button>
      {hasPassword && <p className="text-xs text-zinc-500">Changing it signs out every other session.</p>}
    </form>
  );
}

/** Settings → Sign-in methods: password, providers (link and unlink), and a reset link by email. */
export function SignInMethods({
  providers,
  error,
  emailEnabled,
}: {
  providers: readonly ProviderChoice[];
  error: string | null;
  emailEnabled: boolean;
}) {
  const queryClient = useQueryClient();
  const methods = useQuery({
    queryKey: METHODS_KEY,
    queryFn: ({ signal }) => apiRequest<SignInMethodsResponse>("/api/users/me/sign-in-methods", { signal }),
  });
  const [editing, setEditing] = useState(false);
  const [linking, setLinking] = useState<string | null>(null);
  const unlink = useMutation({
    mutationFn: (a: { provider: string; providerAccountId: string }) =>
      apiRequest<unknown>(`/api/users/me/accounts/${a.provider}/${encodeURIComponent(a.providerAccountId)}`, {
        method: "DELETE",
      }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: METHODS_KEY }),
  });
  const data = methods.data;
  return (
    <div className="space-y-4 text-sm">
      <div>
        <h2 className="font-medium">Sign-in methods</h2>
        <p className="mt-1 text-xs text-zinc-500">
          The ways into this account. The last one cannot be removed.
          {data && data.wallets > 0 && ` Wallets: ${data.wallets} (below).`}
        </p>
      </div>
      {error && <FormAlert>{error}</FormAlert>}
      {methods.isPending ? (
        <p className="text-xs text-zinc-500">Loading…</p>
      ) : !data ? (
        <p role="alert" className="text-red-600 dark:text-red-400">
          {methods.error?.message ?? "Could not load your sign-in methods."}
        </p>
      ) : (
        <>
          <div
            className="space-y-2 rounded-md border border-zinc-200 p-3 dark:border-zinc-800"
            data-testid="password-method"
          >
            <div className="flex items-center gap-3">
              <div className="flex-1">
                <p className="font-medium">Password</p>
                <p className="text-xs text-zinc-500">
                  {data.hasPassword ? `Signs in with ${data.email}` : data.email ? "Not set" : "Needs an email address"}
                </p>
              </div>
              {data.email && !editing && (
                <button type="button" className={button} onClick={() => setEditing(true)}>
                  {data.hasPassword ? "Change" : "Set a password"}
                </button>
              )}
            </div>
            {editing && (
              <PasswordForm
                hasPassword={data.hasPassword}
                onDone={() => queryClient.invalidateQueries({ queryKey: METHODS_KEY })}
              />
            )}
            {data.email && emailEnabled && <RequestResetForm email={data.email} compact />}
          </div>
          <ul className="divide-y divide-zinc-200 rounded-md border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
            {providers.map((provider) => {
              const accounts = data.accounts.filter((a) => a.provider === provider.id);
              return (
                <li key={provider.id} className="space-y-2 px-3 py-2" data-testid={`provider-${provider.id}`}>
                  <div className="flex items-center gap-3">
                    <p className="flex-1 font-medium">{provider.name}</p>
                    <button
                      type="button"
                      disabled={linking !== null}
                      className={button}
                      onClick={() => {
                        setLinking(provider.id);
                        signIn(provider.id, { redirectTo: "/settings" }).catch(() => setLinking(null));
                      }}
                    >
                      {linking === provider.id ? "Redirecting…" : `Link ${provider.name}`}
                    </button>
                  </div>
                  {accounts.length === 0 ? (
                    <p className="text-xs text-zinc-500">Not linked.</p>
                  ) : (
                    accounts.map((account) => (
                      <div
                        key={account.providerAccountId}
                        className="flex items-center gap-3"
                        data-testid="linked-account"
                      >
                        <p className="min-w-0 flex-1 truncate text-xs text-zinc-600 dark:text-zinc-400">
                          {account.email ?? account.providerAccountId} · linked{" "}
                          {new Date(account.linkedAt).toLocaleDateString()}
                        </p>
                        <button
                          type="button"
                          disabled={unlink.isPending}
                          className={button}
                          onClick={() => unlink.mutate(account)}
                        >
                          Unlink
                        </button>
                      </div>
                    ))
                  )}
                </li>
              );
            })}
            {providers.length === 0 && (
              <li className="px-3 py-2 text-xs text-zinc-500">No sign-in providers are set up on this server.</li>
            )}
          </ul>
          {unlink.error && (
            <p role="alert" className="text-red-600 dark:text-red-400">
              {unlink.error instanceof ApiError ? unlink.error.message : "Unlinking failed. Please try again."}
            </p>
          )}
        </>
      )}
    </div>
  );
}
