import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { auth } from "@/auth";
import { LoginForm } from "@/components/auth/login-form";
import { Card } from "@/components/ui/card";
import { SiweSignIn } from "@/components/wallet/lazy";
import { pageOrigin } from "@/lib/page-origin";
import { safeCallbackUrl } from "@/lib/safe-redirect";
import { walletSettings } from "@/lib/wallet/settings";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const callbackUrl = safeCallbackUrl((await searchParams).callbackUrl, await pageOrigin());
  if (await auth()) redirect(callbackUrl);
  return (
    <div className="mx-auto max-w-sm">
      <h1 className="mb-6 text-2xl font-semibold tracking-tight">Sign in to Tradeboard</h1>
      <Card>
        <LoginForm callbackUrl={callbackUrl} />
        <div className="my-5 flex items-center gap-3 text-xs text-zinc-500" aria-hidden="true">
          <span className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
          or
          <span className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
        </div>
        <SiweSignIn settings={walletSettings()} callbackUrl={callbackUrl} />
      </Card>
    </div>
  );
}
