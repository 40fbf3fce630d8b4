// A bare node:http hello-world on the port in argv[2]: context for the HTTP figures, nothing more.
import { createServer } from "node:http";

createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end("hello world");
}).listen(Number(process.argv[2]), "127.0.0.1", () => console.log("listening"));
