/**
 * The seed's variable names, still honoured by both apps: `NEXTAUTH_URL`,
 * `NEXTAUTH_SECRET` and `NEXT_PUBLIC_API_URL` stand for `AUTH_URL`,
 * `AUTH_SECRET` and `API_URL`. When both names are set, the newer one wins.
 */
export const SEED_ALIASES = {
  AUTH_URL: "NEXTAUTH_URL",
  AUTH_SECRET: "NEXTAUTH_SECRET",
  API_URL: "NEXT_PUBLIC_API_URL",
} as const;

/** The environment with the seed's names copied to the current ones where those are unset (or empty). */
export function withSeedAliases(source: Record<string, string | undefined>): Record<string, string | undefined> {
  const env = { ...source };
  for (const [current, seed] of Object.entries(SEED_ALIASES)) {
    if (!env[current] && env[seed]) env[current] = env[seed];
  }
  return env;
}
