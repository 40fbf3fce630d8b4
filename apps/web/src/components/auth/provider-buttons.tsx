"use client";
import { signIn } from "next-auth/react";
import { useState } from "react";

export interface ProviderChoice {
  id: string;
  name: string;
}

/** One button per configured OAuth / OpenID Connect provider: Auth.js sends the browser to the provider. */
export function ProviderButtons({
  providers,
  callbackUrl,
  verb = "Continue with",
}: {
  providers: readonly ProviderChoice[];
  callbackUrl: string;
  verb?: string;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  if (providers.length === 0) return null;
  return (
    <div className="space-y-2">
      {providers.map((provider) => (
        <button
          key={provider.id}
          type="button"
          disabled={busy !== null}
          onClick={() => {
            setBusy(provider.id);
            signIn(provider.id, { redirectTo: callbackUrl }).catch(() => setBusy(null));
          }}
          className="flex w-full items-center justify-center gap-2 rounded-md border border-zinc-300 px-4 py-2 text-sm font-medium hover:bg-zinc-100 disabled:cursor-wait disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-800"
        >
          {busy === provider.id ? "Redirecting…" : `${verb} ${provider.name}`}
        </button>
      ))}
    </div>
  );
}
