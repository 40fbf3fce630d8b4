// The least a forward in Node can do, for the web bench: a bare node:http server on argv[2] that passes
// every request to 127.0.0.1:argv[3] over kept-alive connections and pipes the answer back (no header
// rules, no timeout, no error page). What it reaches is the ceiling of any forward written on node:http.
import { Agent, createServer, request } from "node:http";

const agent = new Agent({ keepAlive: true });
const upstreamPort = Number(process.argv[3]);

createServer((req, res) => {
  const upstream = request(
    { host: "127.0.0.1", port: upstreamPort, path: req.url, method: req.method, headers: req.headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => res.writeHead(502).end());
  req.pipe(upstream);
}).listen(Number(process.argv[2]), "127.0.0.1", () => console.log("listening"));
