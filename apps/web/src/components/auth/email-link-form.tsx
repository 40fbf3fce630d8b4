"use client";
import { SIGN_IN_LINK_TTL_SECONDS } from "@tradeboard/contracts";
import { signIn } from "next-auth/react";
import { type FormEvent, useState } from "react";
import { Field, FormAlert } from "@/components/ui/field";
import { authErrorMessage } from "./auth-errors";

/** Asks for an emailed sign-in link (Auth.js's email provider, mail sent through the web server). */
export function EmailLinkForm({ callbackUrl }: { callbackUrl: string }) {
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get("link-email") ?? "").trim();
    setError(null);
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) return setError("Enter the email address the link should go to.");
    setPending(true);
    try {
      const result = await signIn("email", { email, redirect: false, redirectTo: callbackUrl });
      if (result?.error) setError(authErrorMessage(result.error, result.code ?? undefined));
      else setSentTo(email);
    } catch {
      setError(authErrorMessage("BackendUnavailable"));
    } finally {
      setPending(false);
    }
  }

  if (sentTo) {
    return (
      <div role="status" className="space-y-2 text-sm" data-testid="link-sent">
        <p className="font-medium">Check your inbox</p>
        <p className="text-zinc-600 dark:text-zinc-400">
          We sent a sign-in link to <span className="font-medium">{sentTo}</span>. It works once, for{" "}
          {SIGN_IN_LINK_TTL_SECONDS / 60} minutes.
        </p>
        <button type="button" onClick={() => setSentTo(null)} className="text-emerald-600 hover:underline">
          Use another address
        </button>
      </div>
    );
  }
  return (
    <form onSubmit={onSubmit} className="space-y-3" noValidate aria-label="Address for a sign-in link">
      {error && <FormAlert>{error}</FormAlert>}
      <Field id="link-email" name="link-email" type="email" label="Address for a sign-in link" autoComplete="email" />
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-md border border-zinc-300 px-4 py-2 text-sm font-medium hover:bg-zinc-100 disabled:cursor-wait disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-800"
      >
        {pending ? "Sending…" : "Send me a link"}
      </button>
    </form>
  );
}
