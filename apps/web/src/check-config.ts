import { serverEnv } from "./env";

// A bad configuration stops the server at start, naming the variable, rather than failing its first request.
try {
  serverEnv();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
