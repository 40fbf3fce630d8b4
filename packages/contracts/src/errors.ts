import { z } from "zod";

/** The closed list of error codes the api answers with. */
export const errorCodes = [
  "validation_failed",
  "invalid_json",
  "unauthorized",
  "forbidden",
  "not_found",
  "email_taken",
  "invalid_order",
  "insufficient_funds",
  "duplicate_client_order_id",
  "order_not_open",
  "market_stale",
  "alert_limit",
  "api_key_limit",
  "not_supported",
  "invalid_credentials",
  "siwe_invalid_message",
  "siwe_wrong_domain",
  "siwe_wrong_chain",
  "siwe_expired",
  "siwe_nonce_used",
  "siwe_bad_signature",
  "siwe_wrong_statement",
  "wallet_taken",
  "last_sign_in_method",
  "oauth_account_taken",
  "oauth_email_unverified",
  "link_invalid",
  "wrong_password",
  "rate_limited",
  "cross_origin_refused",
  "payload_too_large",
  "unsupported_media_type",
  "backend_unavailable",
  "internal_error",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /** For validation errors: the message per field path ("email", "password"). */
    fields: z.record(z.string(), z.string()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;

/** Turns zod issues into one message per field path, the first issue of each path winning. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join(".") : "_";
    fields[key] ??= issue.message;
  }
  return fields;
}
