import type { ErrorBody } from "@tradeboard/contracts";
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

/** The error body's shape (the contract's `errorBody`), checked by hand so that no schema code ships to pages. */
function readErrorBody(data: unknown): ErrorBody["error"] | null {
  const error = (data as { error?: unknown } | null | undefined)?.error as Record<string, unknown> | undefined;
  if (typeof error !== "object" || error === null) return null;
  if (typeof error.code !== "string" || typeof error.message !== "string") return null;
  const fields = error.fields;
  if (fields !== undefined) {
    if (typeof fields !== "object" || fields === null) return null;
    if (!Object.values(fields).every((v) => typeof v === "string")) return null;
  }
  return { code: error.code, message: error.message, fields: fields as Record<string, string> | undefined };
}

/**
 * The browser's one way to the api: same-origin /api/* (forwarded by the web
 * server), cookies included. `T` is the answer's type from the contracts: the
 * api builds its answers from them, so the browser takes them as typed and ships
 * no schema code (the api validates everything it is sent).
 */
export async function apiRequest<T>(
  path: string,
  init: { method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
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
    const body = readErrorBody(data);
    const error = body
      ? new ApiError(response.status, body.code, body.message, body.fields)
      : response.status >= 500
        ? new ApiError(response.status, "backend_unavailable", UNAVAILABLE)
        : new ApiError(response.status, "unexpected", `Unexpected answer from the server (${response.status}).`);
    reportBackend(error.code !== "backend_unavailable");
    throw error;
  }
  reportBackend(true);
  return data as T;
}
