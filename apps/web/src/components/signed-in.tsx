"use client";
import dynamic from "next/dynamic";

/**
 * The root layout's parts that only a signed-in person has: the header's wallet chip and
 * the listener for private events. They read through React Query, so they load when they
 * render: pages seen signed out (the landing page, sign-in, sign-up) carry neither them
 * nor React Query. Both render nothing on the server (no data there yet), as before.
 */
export const HeaderWallet = dynamic(() => import("./wallet/header-wallet").then((m) => m.HeaderWallet), {
  ssr: false,
});
export const UserEvents = dynamic(() => import("./trading/user-events").then((m) => m.UserEvents), { ssr: false });
