// npm run dev: the api (3001) and the web app (3000) side by side, with prefixed logs.
import concurrently from "concurrently";
import { devAuthSecret, repoRoot } from "./dev-secret.mjs";
import { loadRootEnv, localPorts } from "./env-files.mjs";

for (const file of loadRootEnv()) console.log(`[dev] settings from ${file}`);
const env = {
  AUTH_SECRET: process.env.AUTH_SECRET || process.env.NEXTAUTH_SECRET || devAuthSecret(),
  NODE_ENV: "development",
  NEXT_TELEMETRY_DISABLED: "1",
  ...localPorts(),
};

const { result } = concurrently(
  [
    { name: "api", command: "npm run dev --silent -w @tradeboard/api", prefixColor: "cyan", env },
    { name: "web", command: "npm run dev --silent -w @tradeboard/web", prefixColor: "magenta", env },
  ],
  { cwd: repoRoot, killOthersOn: ["failure"], prefix: "[{name}]" },
);
result.then(
  () => process.exit(0),
  () => process.exit(1),
);
