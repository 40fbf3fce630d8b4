"use client";
import Link from "next/link";
import { useActionState } from "react";
import { type ResetState, requestResetLink, resetPassword } from "@/app/reset-password/actions";
import { Field, FormAlert, SubmitButton } from "@/components/ui/field";

const IDLE: ResetState = { status: "idle" };

/** Asks for a password-reset link by email (on /reset-password, and from Settings with the account's address). */
export function RequestResetForm({ email, compact = false }: { email?: string; compact?: boolean }) {
  const [state, action, pending] = useActionState(requestResetLink, IDLE);
  if (state.status === "sent") {
    return (
      <p role="status" className="text-sm" data-testid="reset-sent">
        If an account uses <span className="font-medium">{state.message}</span>, a reset link is on its way. It works
        once, for 10 minutes.
      </p>
    );
  }
  return (
    <form action={action} className="space-y-3" noValidate>
      {state.message && <FormAlert>{state.message}</FormAlert>}
      {email ? (
        <input type="hidden" name="email" value={email} />
      ) : (
        <Field id="email" name="email" type="email" label="Email" autoComplete="email" error={state.fields?.email} />
      )}
      {compact ? (
        <button
          type="submit"
          disabled={pending}
          className="rounded-md border border-zinc-300 px-2 py-1 text-xs font-medium hover:bg-zinc-100 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-800"
        >
          {pending ? "Sending…" : "Email me a password-reset link"}
        </button>
      ) : (
        <SubmitButton pending={pending}>{pending ? "Sending…" : "Email me a reset link"}</SubmitButton>
      )}
    </form>
  );
}

/** The new password, from the link in the mail. */
export function ResetPasswordForm({ email, token }: { email: string; token: string }) {
  const [state, action, pending] = useActionState(resetPassword, IDLE);
  return (
    <form action={action} className="space-y-4" noValidate>
      {state.message && (
        <FormAlert>
          {state.message}{" "}
          <Link href="/reset-password" className="font-medium underline">
            Ask for a new link
          </Link>
        </FormAlert>
      )}
      <input type="hidden" name="email" value={email} />
      <input type="hidden" name="token" value={token} />
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        A new password for <span className="font-medium">{email}</span>. Setting it signs out every session of the
        account.
      </p>
      <Field
        id="password"
        name="password"
        type="password"
        label="New password"
        autoComplete="new-password"
        error={state.fields?.password}
      />
      <Field
        id="confirm"
        name="confirm"
        type="password"
        label="New password again"
        autoComplete="new-password"
        error={state.fields?.confirm}
      />
      <SubmitButton pending={pending}>{pending ? "Saving…" : "Set the new password"}</SubmitButton>
    </form>
  );
}
