"use client";
import type { Session } from "next-auth";
import { SessionProvider, useSession } from "next-auth/react";
import { QueryProvider } from "@/components/query-provider";
import { useUserEvents } from "@/lib/trading-hooks";

/**
 * Listens to the signed-in user's private events (fills, cancels) in every tab, while
 * the session lasts (Auth.js's provider notices a sign-out in another tab).
 */
export function UserEvents({ session }: { session: Session }) {
  return (
    <SessionProvider session={session}>
      <QueryProvider>
        <Listener />
      </QueryProvider>
    </SessionProvider>
  );
}

function Listener() {
  const { status } = useSession();
  useUserEvents(status === "authenticated");
  return null;
}
