// npm start: the built apps in production mode. AUTH_SECRET (and AUTH_URL) must be set: nothing is generated.
import concurrently from "concurrently";
import { repoRoot } from "./dev-secret.mjs";

if (!process.env.AUTH_SECRET) {
  console.error(
    "AUTH_SECRET is required to start in production (at least 32 random characters, shared by web and api).",
  );
  process.exit(1);
}
const env = { NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" };
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
