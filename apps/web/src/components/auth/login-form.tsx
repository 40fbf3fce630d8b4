"use client";
import Link from "next/link";
import { signIn } from "next-auth/react";
import { type FormEvent, useState } from "react";
import { Field, FormAlert, SubmitButton } from "@/components/ui/field";
import { safeCallbackUrl } from "@/lib/safe-redirect";

const MESSAGES: Record<string, string> = {
  invalid_credentials: "Wrong email or password.",
  rate_limited: "Too many failed sign-ins. Wait a few minutes, then try again.",
  backend_unavailable: "The trading service is unavailable right now. Please try again shortly.",
};

export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    try {
      // With redirect: false the promise resolves even on failure; `error`/`code` say what happened.
      const result = await signIn("credentials", {
        email: String(form.get("email") ?? ""),
        password: String(form.get("password") ?? ""),
        redirect: false,
      });
      if (result?.error) {
        setError(MESSAGES[result.code ?? ""] ?? MESSAGES.invalid_credentials ?? null);
        setPending(false);
        return;
      }
      // A full navigation so every server component renders with the new session.
      // Checked on the server already; checked again against the page's own origin before leaving.
      window.location.assign(safeCallbackUrl(callbackUrl, window.location.origin));
    } catch {
      setError(MESSAGES.backend_unavailable ?? null);
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      {error && <FormAlert>{error}</FormAlert>}
      <Field id="email" name="email" type="email" label="Email" autoComplete="email" required />
      <Field id="password" name="password" type="password" label="Password" autoComplete="current-password" required />
      <SubmitButton pending={pending}>{pending ? "Signing in…" : "Sign in"}</SubmitButton>
      <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
        New to Tradeboard?{" "}
        <Link href="/register" className="font-medium text-emerald-600 hover:underline dark:text-emerald-400">
          Create an account
        </Link>
      </p>
    </form>
  );
}
