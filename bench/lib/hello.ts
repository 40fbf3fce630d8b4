import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stopProcess } from "./processes.ts";

/** A small server of bench/lib in its own process, ready once it prints its first line. */
async function startScript(script: string, args: string[], url: string) {
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
  return { url, stop: () => stopProcess(child) };
}

/** The hello-world server in its own process. */
export function startHello(port: number) {
  return startScript("./hello.mjs", [String(port)], `http://127.0.0.1:${port}/`);
}

/** A bare node:http forward (bench/lib/bare-forward.mjs) on `port` to the server on `upstreamPort`. */
export function startBareForward(port: number, upstreamPort: number) {
  return startScript("./bare-forward.mjs", [String(port), String(upstreamPort)], `http://127.0.0.1:${port}`);
}
