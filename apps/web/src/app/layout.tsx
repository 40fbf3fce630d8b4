import type { Metadata } from "next";
import type { ReactNode } from "react";
import { auth } from "@/auth";
import { BackendNotice } from "@/components/backend-notice";
import { Header } from "@/components/header";
import { Providers } from "@/components/providers";
import { UserEvents } from "@/components/signed-in";
import { Toasts } from "@/components/toasts";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Tradeboard", template: "%s · Tradeboard" },
  description: "Paper trading for crypto markets: live prices, charts, orders and alerts with a virtual balance.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const session = await auth();
  return (
    // next-themes sets the class before first paint; React must not complain about it.
    <html lang="en" suppressHydrationWarning>
      <body className="min-h-screen bg-zinc-50 text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        <Providers>
          <Header session={session} />
          <BackendNotice />
          <main className="mx-auto max-w-6xl px-4 py-10">{children}</main>
          {session && <UserEvents session={session} />}
          <Toasts />
        </Providers>
      </body>
    </html>
  );
}
