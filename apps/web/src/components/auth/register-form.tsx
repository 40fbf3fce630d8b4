"use client";
import type { UserResponse } from "@tradeboard/contracts";
import Link from "next/link";
import { signIn } from "next-auth/react";
import { type FormEvent, useEffect, useState } from "react";
import { Field, FormAlert, SubmitButton } from "@/components/ui/field";
import { ApiError, apiRequest } from "@/lib/api";

/** The contracts (with their schema library) load after the page, for the form's instant check. */
const loadContracts = () => import("@tradeboard/contracts");

export function RegisterForm() {
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  useEffect(() => {
    loadContracts().catch(() => {});
  }, []);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = { name: form.get("name"), email: form.get("email"), password: form.get("password") };
    setError(null);
    // The same schema the api validates with, for an instant answer.
    // (Should that code not load, the api's answer says the same.)
    const contracts = await loadContracts().catch(() => null);
    const parsed = contracts?.registerBody.safeParse(input);
    if (contracts && parsed && !parsed.success) {
      setFields(contracts.fieldErrors(parsed.error));
      return;
    }
    const credentials = parsed?.success
      ? parsed.data
      : { email: String(input.email ?? ""), password: String(input.password ?? "") };
    setFields({});
    setPending(true);
    try {
      await apiRequest<UserResponse>("/api/users", { method: "POST", body: input });
    } catch (e) {
      setPending(false);
      if (e instanceof ApiError && Object.keys(e.fields).length > 0) setFields(e.fields);
      else setError(e instanceof ApiError ? e.message : "Something went wrong. Please try again.");
      return;
    }
    const result = await signIn("credentials", {
      email: credentials.email,
      password: credentials.password,
      redirect: false,
    });
    if (result?.error) {
      // The account exists; only the automatic sign-in failed.
      window.location.assign("/login");
      return;
    }
    window.location.assign("/dashboard");
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      {error && <FormAlert>{error}</FormAlert>}
      <Field id="name" name="name" label="Name" autoComplete="name" required error={fields.name} />
      <Field id="email" name="email" type="email" label="Email" autoComplete="email" required error={fields.email} />
      <Field
        id="password"
        name="password"
        type="password"
        label="Password"
        autoComplete="new-password"
        required
        minLength={10}
        error={fields.password}
      />
      {!fields.password && (
        <p className="-mt-2 text-xs text-zinc-500">At least 10 characters. Long passphrases are welcome.</p>
      )}
      <SubmitButton pending={pending}>{pending ? "Creating your account…" : "Create account"}</SubmitButton>
      <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
        Already have an account?{" "}
        <Link href="/login" className="font-medium text-emerald-600 hover:underline dark:text-emerald-400">
          Sign in
        </Link>
      </p>
    </form>
  );
}
