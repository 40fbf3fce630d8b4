import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface CaughtMail {
  to: string[];
  raw: string;
  /** The first http(s) link in the message's text. */
  link: string;
}

/** Quoted-printable, as mail bodies are often sent: soft line breaks and =XX escapes. */
function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A real SMTP server (nodemailer's `smtp-server`, unmodified) on loopback that keeps every message. */
export async function startMailCatcher() {
  const mails: CaughtMail[] = [];
  const waiters: { to: string; after: number; resolve: (mail: CaughtMail) => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const body = decodeQuotedPrintable(raw);
        const link = body.match(/https?:\/\/[^\s"<>]+/)?.[0]?.replace(/&amp;/g, "&") ?? "";
        const mail = { to: session.envelope.rcptTo.map((r) => r.address), raw, link };
        mails.push(mail);
        for (const waiter of [...waiters]) {
          if (mail.to.includes(waiter.to) && mails.length > waiter.after) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(mail);
          }
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    /** The next message to this address (from now on). */
    next(to: string, timeoutMs = 20_000): Promise<CaughtMail> {
      const after = mails.length;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail to ${to} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          to,
          after,
          resolve: (mail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        });
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
