"use client";
import { useSession } from "next-auth/react";
import { useUserEvents } from "@/lib/trading-hooks";

/** Listens to the signed-in user's private events (fills, cancels) in every tab. */
export function UserEvents() {
  const { status } = useSession();
  useUserEvents(status === "authenticated");
  return null;
}
