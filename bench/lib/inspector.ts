/**
 * Profiles another Node process for a while through its inspector (started with
 * `--inspect=127.0.0.1:PORT`), so that start-up and warm-up stay out of the profile.
 */
import { writeFileSync } from "node:fs";
import WebSocket from "ws";

export async function profileProcess<T>(inspectPort: number, file: string, during: () => Promise<T>): Promise<T> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error("no inspector target");
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  let nextId = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      const id = ++nextId;
      waiting.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 500 });
  await call("Profiler.start");
  const result = await during();
  const { profile } = (await call("Profiler.stop")) as { profile: unknown };
  writeFileSync(file, JSON.stringify(profile));
  socket.close();
  return result;
}
