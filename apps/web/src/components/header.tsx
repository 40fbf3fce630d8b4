import Link from "next/link";
import type { Session } from "next-auth";
import { SignOutButton } from "./auth/sign-out-button";
import { ConnectionIndicator } from "./markets/connection-indicator";
import { HeaderWallet } from "./signed-in";
import { ThemeSwitch } from "./theme-switch";

export function Header({ session }: { session: Session | null }) {
  const user = session?.user;
  return (
    <header className="border-b border-zinc-200 bg-white/80 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/80">
      {/* On a phone the nav wraps to a second row instead of widening the page. */}
      <div className="mx-auto flex min-h-14 max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2">
        <Link href={user ? "/dashboard" : "/"} className="flex items-center gap-2 font-semibold tracking-tight">
          <span
            aria-hidden="true"
            className="grid size-7 place-items-center rounded-md bg-emerald-500 text-sm text-white"
          >
            ▲
          </span>
          Tradeboard
        </Link>
        {user && (
          <nav className="order-last flex w-full gap-4 text-sm text-zinc-600 sm:order-none sm:w-auto dark:text-zinc-400">
            <Link href="/dashboard" className="hover:text-zinc-900 dark:hover:text-white">
              Dashboard
            </Link>
            <Link href="/history" className="hover:text-zinc-900 dark:hover:text-white">
              History
            </Link>
            <Link href="/alerts" className="hover:text-zinc-900 dark:hover:text-white">
              Alerts
            </Link>
            {user.role === "admin" && (
              <Link href="/admin/users" className="hover:text-zinc-900 dark:hover:text-white">
                Users
              </Link>
            )}
          </nav>
        )}
        <div className="ml-auto flex items-center gap-3">
          <ConnectionIndicator />
          <ThemeSwitch />
          {user ? (
            <>
              <HeaderWallet />
              <Link
                href="/settings"
                // A wallet-only account is named by its address, which the wallet chip already shows (md and up).
                className={`hidden text-sm text-zinc-600 hover:text-zinc-900 sm:inline dark:text-zinc-400 dark:hover:text-white ${user.email ? "" : "md:hidden"}`}
                data-testid="header-user"
                title="Settings"
              >
                {user.name}
              </Link>
              <SignOutButton />
            </>
          ) : (
            <>
              <Link href="/login" className="text-sm font-medium hover:underline">
                Sign in
              </Link>
              <Link
                href="/register"
                className="rounded-md bg-emerald-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-emerald-500"
              >
                Sign up
              </Link>
            </>
          )}
        </div>
      </div>
    </header>
  );
}
