import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { auth } from "@/auth";
import { authErrorMessage } from "@/components/auth/auth-errors";
import { EmailLinkForm } from "@/components/auth/email-link-form";
import { LoginForm } from "@/components/auth/login-form";
import { ProviderButtons } from "@/components/auth/provider-buttons";
import { Card } from "@/components/ui/card";
import { FormAlert } from "@/components/ui/field";
import { SiweSignIn } from "@/components/wallet/lazy";
import { emailSignInEnabled, oauthProviderList, serverEnv } from "@/env";
import { pageOrigin } from "@/lib/page-origin";
import { safeCallbackUrl } from "@/lib/safe-redirect";
import { walletSettings } from "@/lib/wallet/settings";

export const metadata: Metadata = { title: "Sign in" };

function Or() {
  return (
    <div className="my-5 flex items-center gap-3 text-xs text-zinc-500" aria-hidden="true">
      <span className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
      or
      <span className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
    </div>
  );
}

type Search = { callbackUrl?: string; error?: string; code?: string; "check-email"?: string; reset?: string };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Search> }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl, await pageOrigin());
  const error = typeof params.error === "string" ? params.error : undefined;
  if (await auth()) {
    // A signed-in person lands here when linking a provider went wrong: Settings says why.
    redirect(error ? `/settings?error=${encodeURIComponent(error)}` : callbackUrl);
  }
  const env = serverEnv();
  const providers = oauthProviderList(env);
  const message = authErrorMessage(error, params.code);
  return (
    <div className="mx-auto max-w-sm">
      <h1 className="mb-6 text-2xl font-semibold tracking-tight">Sign in to Tradeboard</h1>
      <Card>
        <div className="space-y-4">
          {message && (
            <div data-testid="auth-error">
              <FormAlert>{message}</FormAlert>
            </div>
          )}
          {params["check-email"] && (
            <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm dark:bg-emerald-950">
              Check your inbox: we sent you a sign-in link.
            </p>
          )}
          {params.reset === "done" && (
            <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm dark:bg-emerald-950">
              Your password is set. Sign in with it now; every other session was signed out.
            </p>
          )}
          <ProviderButtons providers={providers} callbackUrl={callbackUrl} />
        </div>
        {providers.length > 0 && <Or />}
        <LoginForm callbackUrl={callbackUrl} />
        {emailSignInEnabled(env) && (
          <>
            <Or />
            <EmailLinkForm callbackUrl={callbackUrl} />
          </>
        )}
        <Or />
        <SiweSignIn settings={walletSettings()} callbackUrl={callbackUrl} />
        <p className="mt-5 text-center text-xs text-zinc-500">
          <Link href="/reset-password" className="hover:underline">
            Forgot your password?
          </Link>
        </p>
      </Card>
    </div>
  );
}
