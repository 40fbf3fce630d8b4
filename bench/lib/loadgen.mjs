// The load generator, run as its own process (never inside a server under test):
// autocannon against one URL, each request with a cookie picked at random from a
// list (one account, or many). Reads its plan from the JSON file named by argv[2]
// and prints one JSON line of figures.
//   { url, method?, body?, headers?, cookies?: string[], connections, seconds, overallRate? }
// With overallRate the requests are sent evenly at that rate (./paced-load.mjs) instead.
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { pacedLoad } from "./paced-load.mjs";

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
if (plan.overallRate) {
  console.log(JSON.stringify(await pacedLoad({ ...plan, rate: plan.overallRate })));
  process.exit(0);
}
const cookies = plan.cookies ?? [];
const headers = { ...(plan.headers ?? {}) };
if (plan.body !== undefined) headers["content-type"] ??= "application/json";

const result = await autocannon({
  url: plan.url,
  connections: plan.connections,
  duration: plan.seconds,
  requests: [
    {
      method: plan.method ?? "GET",
      headers,
      body: plan.body,
      setupRequest(request) {
        if (cookies.length > 0)
          request.headers = { ...request.headers, cookie: cookies[Math.floor(Math.random() * cookies.length)] };
        return request;
      },
    },
  ],
});
const count = result.requests.total;
console.log(
  JSON.stringify({
    requestsPerSecond: count / (result.duration || plan.seconds),
    total: count,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: result.statusCodeStats,
  }),
);
