/** Runs once when the server starts, before it answers any request. */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    await import("./check-config");
    await import("./record-client-address");
  }
}
