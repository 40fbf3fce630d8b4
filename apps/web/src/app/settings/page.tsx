import type { Metadata } from "next";
import { WebhookSecret } from "@/components/alerts/webhook-secret";
import { ApiKeys } from "@/components/api-keys/api-keys";
import { authErrorMessage } from "@/components/auth/auth-errors";
import { QueryProvider } from "@/components/query-provider";
import { SessionsList } from "@/components/settings/sessions-list";
import { SignInMethods } from "@/components/settings/sign-in-methods";
import { Card } from "@/components/ui/card";
import { LinkedWallets } from "@/components/wallet/linked-wallets";
import { emailSignInEnabled, oauthProviderList, serverEnv } from "@/env";
import { requireSession } from "@/lib/session";
import { walletSettings } from "@/lib/wallet/settings";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const session = await requireSession("/settings");
  const { error } = await searchParams;
  const env = serverEnv();
  return (
    <div className="max-w-2xl space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
      <Card title="Account">
        <p className="text-sm">
          {session.user.name}
          {session.user.email && ` · ${session.user.email}`}
        </p>
      </Card>
      <QueryProvider>
        <Card>
          <SignInMethods
            providers={oauthProviderList(env)}
            emailEnabled={emailSignInEnabled(env)}
            error={authErrorMessage(typeof error === "string" ? error : undefined)}
          />
        </Card>
        <Card>
          <LinkedWallets settings={walletSettings()} />
        </Card>
        <Card>
          <SessionsList />
        </Card>
        <Card>
          <ApiKeys />
        </Card>
        <Card>
          <WebhookSecret />
        </Card>
      </QueryProvider>
    </div>
  );
}
