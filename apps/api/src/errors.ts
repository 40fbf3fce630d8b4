import type { ErrorCode } from "@tradeboard/contracts";

const statusOf: Record<ErrorCode, number> = {
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  siwe_invalid_message: 400,
  siwe_wrong_domain: 401,
  siwe_wrong_chain: 401,
  siwe_expired: 401,
  siwe_nonce_used: 401,
  siwe_bad_signature: 401,
  siwe_wrong_statement: 401,
  wallet_taken: 409,
  last_sign_in_method: 409,
  oauth_account_taken: 409,
  oauth_email_unverified: 409,
  link_invalid: 400,
  wrong_password: 422,
  forbidden: 403,
  cross_origin_refused: 403,
  not_found: 404,
  email_taken: 409,
  invalid_order: 422,
  insufficient_funds: 422,
  duplicate_client_order_id: 409,
  order_not_open: 409,
  market_stale: 409,
  alert_limit: 422,
  api_key_limit: 422,
  not_supported: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  backend_unavailable: 503,
};

/** The one error type domain and service code throws; the error plugin maps it to JSON. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { fields?: Record<string, string>; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.status = statusOf[code];
  }
}
