// Load at a fixed rate, evenly spaced: request k is due at start + k / rate, and is sent on the
// first of `connections` kept-alive connections that is free. Its latency is counted from when it
// was due, not from when it could be sent, so a server that stalls is charged for the requests
// that queued behind the stall (coordinated omission, as wrk2 counts it).
//
// autocannon's own rate limit is not used for this: each connection sends its share of a second
// back to back at the start of that second and then waits for the next one, so "half the rate"
// is the full rate for half of each second; and its correction for coordinated omission assumes
// one request per millisecond per connection whatever the rate.
import http from "node:http";

/**
 * @param {{ url: string, method?: string, headers?: Record<string, string>, body?: string,
 *   cookies?: string[], connections: number, seconds: number, rate: number }} plan
 */
export async function pacedLoad(plan) {
  const url = new URL(plan.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.connections });
  const cookies = plan.cookies ?? [];
  const body = plan.body === undefined ? undefined : Buffer.from(plan.body);
  const baseHeaders = { ...(plan.headers ?? {}) };
  if (body) {
    baseHeaders["content-type"] ??= "application/json";
    baseHeaders["content-length"] = String(body.length);
  }
  const total = Math.max(1, Math.round(plan.rate * plan.seconds));
  const intervalMs = 1000 / plan.rate;
  const latencies = [];
  const statusCodes = {};
  let non2xx = 0;
  let errors = 0;
  let due = 0;
  let finished = 0;
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));
  const start = performance.now();

  // The agent holds at most `connections` sockets and queues the requests beyond them, in order.
  const send = (dueAt) => {
    const headers = { ...baseHeaders };
    if (cookies.length > 0) headers.cookie = cookies[Math.floor(Math.random() * cookies.length)];
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: plan.method ?? "GET",
        headers,
      },
      (response) => {
        response.on("data", () => {});
        response.on("end", () => {
          const code = String(response.statusCode);
          statusCodes[code] = { count: (statusCodes[code]?.count ?? 0) + 1 };
          if (response.statusCode >= 200 && response.statusCode < 300) latencies.push(performance.now() - dueAt);
          else non2xx++;
          settle();
        });
      },
    );
    request.on("error", () => {
      errors++;
      settle();
    });
    request.end(body);
  };
  const settle = () => {
    finished++;
    if (finished === total) resolveDone();
  };
  // setTimeout wakes about once a millisecond: each wake sends what has come due since the last.
  const tick = () => {
    const now = performance.now() - start;
    while (due < total && due * intervalMs <= now) {
      const dueAt = start + due * intervalMs;
      due++;
      send(dueAt);
    }
    if (due < total) setTimeout(tick, 1);
  };
  tick();
  await done;
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) =>
    latencies.length === 0 ? Number.NaN : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  const round = (v) => Math.round(v * 10) / 10;
  return {
    requestsPerSecond: total / elapsed,
    total,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(latencies.at(-1) ?? Number.NaN),
    non2xx,
    errors,
    timeouts: 0,
    statusCodes,
  };
}
