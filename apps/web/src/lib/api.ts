import { errorBody } from "@tradeboard/contracts";
import type { z } from "zod";
import { reportBackend } from "./backend-status";

/** An error answer from the api, as `{"error":{"code","message","fields"}}` said it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

const UNAVAILABLE = "The trading service is unavailable right now. Please try again shortly.";

/**
 * The browser's one way to the api: same-origin /api/* (forwarded by the web
 * server), cookies included. Answers are checked against the contract schema.
 */
export async function apiRequest<S extends z.ZodType>(
  path: string,
  schema: S,
  init: { method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"; body?: unknown; signal?: AbortSignal } = {},
): Promise<z.output<S>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? "GET",
      headers: init.body === undefined ? undefined : { "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: "same-origin",
      signal: init.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    reportBackend(false);
    throw new ApiError(0, "backend_unavailable", UNAVAILABLE);
  }
  const data: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const parsed = errorBody.safeParse(data);
    const error = parsed.success
      ? new ApiError(response.status, parsed.data.error.code, parsed.data.error.message, parsed.data.error.fields)
      : response.status >= 500
        ? new ApiError(response.status, "backend_unavailable", UNAVAILABLE)
        : new ApiError(response.status, "unexpected", `Unexpected answer from the server (${response.status}).`);
    reportBackend(error.code !== "backend_unavailable");
    throw error;
  }
  reportBackend(true);
  return schema.parse(data);
}
