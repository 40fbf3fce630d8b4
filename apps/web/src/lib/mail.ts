import "server-only";
import { createTransport, type Transporter } from "nodemailer";
import { serverEnv } from "@/env";

let transport: { url: string; transporter: Transporter } | undefined;

function transporter(url: string): Transporter {
  if (transport?.url !== url) {
    // The URL carries every SMTP setting (host, port, TLS, credentials); the deadline below bounds each send.
    transport = { url, transporter: createTransport(url) };
  }
  return transport.transporter;
}

const SEND_DEADLINE_MS = 20_000;

/**
 * Sends a message over EMAIL_SERVER. Without one (development), prints it to
 * the web log instead, so `npm run dev` works without a mail server.
 */
export async function sendMail(message: { to: string; subject: string; text: string; html: string }): Promise<void> {
  const env = serverEnv();
  if (!env.EMAIL_SERVER) {
    console.info(`[mail] no EMAIL_SERVER set; to ${message.to}: ${message.subject}\n${message.text}`);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("the mail server did not answer in time")), SEND_DEADLINE_MS);
  });
  try {
    const result = await Promise.race([
      transporter(env.EMAIL_SERVER).sendMail({ ...message, from: env.EMAIL_FROM }),
      deadline,
    ]);
    if (result.rejected.length > 0) throw new Error("the mail server refused the recipient");
  } finally {
    clearTimeout(timer);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A short message with one link, as text and as simple HTML. */
export function linkMail(params: {
  to: string;
  subject: string;
  intro: string;
  action: string;
  url: string;
  outro: string;
}) {
  const text = `${params.intro}\n\n${params.url}\n\n${params.outro}\n`;
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">
<p>${escapeHtml(params.intro)}</p>
<p><a href="${escapeHtml(params.url)}" style="display:inline-block;padding:10px 16px;background:#059669;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(params.action)}</a></p>
<p style="color:#52525b;font-size:14px">${escapeHtml(params.outro)}</p>
</body></html>`;
  return { to: params.to, subject: params.subject, text, html };
}
