import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stopProcess } from "./processes.ts";

/** The hello-world server in its own process. */
export async function startHello(port: number) {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./hello.mjs", import.meta.url)), String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
  return { url: `http://127.0.0.1:${port}/`, stop: () => stopProcess(child) };
}
