/**
 * A TCP proxy in front of Postgres that records what a client sends and gets back,
 * decoded from the wire protocol: the statements (simple `Query`, or `Parse` then
 * `Bind` with the parameters as text), per connection and in order, and the rows of
 * each result. The bench points the api's DATABASE_URL at it to capture exactly the
 * SQL the api runs for one request, whatever layer (drizzle, postgres.js) wrote it.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export interface CapturedStatement {
  connection: number;
  /** The SQL text as the server received it (`$1`… for parameters). */
  sql: string;
  /** Text-format parameters (null for SQL NULL, `<binary>` for a binary one). */
  params: (string | null)[];
  /** Column names and text values of the rows the statement returned. */
  columns: string[];
  rows: (string | null)[][];
}

/** Reads framed messages (`type byte + int32 length`) from a byte stream. */
class Framer {
  private buffer = Buffer.alloc(0);
  /** The first frontend message (startup, SSL request) has no type byte. */
  constructor(private untyped: boolean) {}

  push(chunk: Buffer, onMessage: (type: string, body: Buffer) => void): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.untyped) {
        if (this.buffer.length < 4) return;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return;
        const body = this.buffer.subarray(4, length);
        this.buffer = this.buffer.subarray(length);
        // SSLRequest / GSSENCRequest: another untyped startup follows.
        const code = body.length === 4 ? body.readInt32BE(0) : 0;
        this.untyped = code === 80877103 || code === 80877104;
        onMessage("startup", body);
        continue;
      }
      if (this.buffer.length < 5) return;
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < 1 + length) return;
      const type = String.fromCharCode(this.buffer[0] ?? 0);
      const body = this.buffer.subarray(5, 1 + length);
      this.buffer = this.buffer.subarray(1 + length);
      onMessage(type, body);
    }
  }
}

function cstring(body: Buffer, offset: number): [string, number] {
  const end = body.indexOf(0, offset);
  return [body.toString("utf8", offset, end), end + 1];
}

export interface WireCapture {
  port: number;
  statements: CapturedStatement[];
  close(): Promise<void>;
}

export async function startWireCapture(target: { host: string; port: number }): Promise<WireCapture> {
  const statements: CapturedStatement[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const connection = ++connections;
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const prepared = new Map<string, string>();
    // Result columns per prepared statement, from the answers to its Describe.
    const described = new Map<string, string[]>();
    const describing: string[] = [];
    // Statements sent but not yet answered, in order: the server answers in the same order.
    const pending: CapturedStatement[] = [];
    let lastParsed = "";
    const front = new Framer(true);
    let sslAnswerPending = false;
    client.on("data", (chunk) => {
      front.push(chunk, (type, body) => {
        if (type === "startup") {
          sslAnswerPending = body.length === 4 && body.readInt32BE(0) === 80877103;
        } else if (type === "Q") {
          const [sql] = cstring(body, 0);
          const s = { connection, sql, params: [], columns: [], rows: [] };
          statements.push(s);
          pending.push(s);
        } else if (type === "P") {
          const [name, next] = cstring(body, 0);
          const [sql] = cstring(body, next);
          prepared.set(name, sql);
          lastParsed = sql;
        } else if (type === "D" && body[0] === 0x53) {
          describing.push(cstring(body, 1)[0]);
        } else if (type === "B") {
          const [, afterPortal] = cstring(body, 0);
          const [name, afterName] = cstring(body, afterPortal);
          let offset = afterName;
          const formatCount = body.readInt16BE(offset);
          offset += 2;
          const formats: number[] = [];
          for (let i = 0; i < formatCount; i++, offset += 2) formats.push(body.readInt16BE(offset));
          const paramCount = body.readInt16BE(offset);
          offset += 2;
          const params: (string | null)[] = [];
          for (let i = 0; i < paramCount; i++) {
            const length = body.readInt32BE(offset);
            offset += 4;
            if (length < 0) {
              params.push(null);
              continue;
            }
            const format = formats.length === 1 ? formats[0] : (formats[i] ?? 0);
            params.push(format === 1 ? "<binary>" : body.toString("utf8", offset, offset + length));
            offset += length;
          }
          const s = {
            connection,
            sql: prepared.get(name) ?? lastParsed,
            params,
            columns: described.get(name) ?? [],
            rows: [],
          };
          statements.push(s);
          pending.push(s);
        }
      });
      upstream.write(chunk);
    });
    const back = new Framer(false);
    let columns: string[] = [];
    upstream.on("data", (chunk) => {
      let data = chunk;
      if (sslAnswerPending) {
        // The one-byte answer to an SSL request ('N': go on in plain text).
        sslAnswerPending = false;
        data = chunk.subarray(1);
      }
      back.push(data, (type, body) => {
        if (type === "T") {
          columns = [];
          let offset = 2;
          for (let i = 0; i < body.readInt16BE(0); i++) {
            let name: string;
            [name, offset] = cstring(body, offset);
            columns.push(name);
            offset += 18;
          }
          const statement = describing.shift();
          if (statement !== undefined) described.set(statement, columns);
        } else if (type === "n") {
          const statement = describing.shift();
          if (statement !== undefined) described.set(statement, []);
        } else if (type === "D") {
          const row: (string | null)[] = [];
          let offset = 2;
          for (let i = 0; i < body.readInt16BE(0); i++) {
            const length = body.readInt32BE(offset);
            offset += 4;
            row.push(length < 0 ? null : body.toString("utf8", offset, offset + length));
            if (length > 0) offset += length;
          }
          const current = pending[0];
          if (current) {
            if (current.columns.length === 0) current.columns = columns;
            current.rows.push(row);
          }
        } else if (type === "C" || type === "E" || type === "I") {
          // One statement done (CommandComplete, ErrorResponse, EmptyQueryResponse).
          pending.shift();
        }
      });
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return {
    port: address.port,
    statements,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
