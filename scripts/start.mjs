// npm start: the built apps in production mode. AUTH_SECRET (and AUTH_URL) must be set: nothing is generated.
// The seed's names in a root .env.local (NEXTAUTH_SECRET, NEXTAUTH_URL, NEXT_PUBLIC_API_URL) do as well.
import concurrently from "concurrently";
import { repoRoot } from "./dev-secret.mjs";
import { loadRootEnv, localPorts } from "./env-files.mjs";

for (const file of loadRootEnv()) console.log(`[start] settings from ${file}`);
if (!process.env.AUTH_SECRET && !process.env.NEXTAUTH_SECRET) {
  console.error(
    "AUTH_SECRET (or NEXTAUTH_SECRET) is required to start in production (at least 32 random characters, shared by web and api).",
  );
  process.exit(1);
}
const env = { NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...localPorts() };
const { result } = concurrently(
  [
    { name: "api", command: "npm run start --silent -w @tradeboard/api", prefixColor: "cyan", env },
    { name: "web", command: "npm run start --silent -w @tradeboard/web", prefixColor: "magenta", env },
  ],
  { cwd: repoRoot, killOthersOn: ["failure", "success"], prefix: "[{name}]" },
);
result.then(
  () => process.exit(0),
  () => process.exit(1),
);
