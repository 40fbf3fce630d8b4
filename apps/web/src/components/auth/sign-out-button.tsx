"use client";

/** Auth.js's client code loads on the click: pages carry none of it for a button. */
async function signOut() {
  const { signOut } = await import("next-auth/react");
  await signOut({ redirectTo: "/" });
}

export function SignOutButton() {
  return (
    <button
      type="button"
      onClick={() => {
        signOut().catch(() => window.location.assign("/"));
      }}
      className="whitespace-nowrap rounded-md border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
    >
      Sign out
    </button>
  );
}
