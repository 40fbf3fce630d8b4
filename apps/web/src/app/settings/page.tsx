import type { Metadata } from "next";
import { WebhookSecret } from "@/components/alerts/webhook-secret";
import { ApiKeys } from "@/components/api-keys/api-keys";
import { QueryProvider } from "@/components/query-provider";
import { Card } from "@/components/ui/card";
import { LinkedWallets } from "@/components/wallet/linked-wallets";
import { requireSession } from "@/lib/session";
import { walletSettings } from "@/lib/wallet/settings";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const session = await requireSession("/settings");
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
          <LinkedWallets settings={walletSettings()} />
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
