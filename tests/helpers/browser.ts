import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium, never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/**
 * Resolves once the page's private channel is subscribed (the realtime client marks
 * <html data-user-channel=subscribed>): the api sends private events to the sockets subscribed
 * when they happen, and a page that subscribes later catches up through a refetch, not a toast.
 */
export function privateEventsFlow(page: Page): Promise<void> {
  return page.locator("html[data-user-channel=subscribed]").waitFor({ state: "attached" });
}
