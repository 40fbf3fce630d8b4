import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { ZodError } from "zod";
import { AppError } from "../errors.ts";

/** An error in Alpaca's own shape: `{"code": 40010000, "message": "..."}` with Alpaca's HTTP status. */
export class AlpacaError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const alpacaErrors = {
  invalid: (message: string) => new AlpacaError(422, 40010000, message),
  badRequest: (message: string) => new AlpacaError(400, 40010000, message),
  notFound: (message: string) => new AlpacaError(404, 40410000, message),
  forbidden: (message: string) => new AlpacaError(403, 40310000, message),
  duplicateClientOrderId: () => new AlpacaError(422, 40010001, "client_order_id must be unique"),
  notCancelable: (message: string) => new AlpacaError(422, 42210000, message),
};

/** Tradeboard's error codes as Alpaca answers the same situations. */
function fromAppError(error: AppError): AlpacaError {
  switch (error.code) {
    case "unauthorized":
    case "invalid_credentials":
      return new AlpacaError(401, 40110000, "request is not authorized");
    case "forbidden":
    case "cross_origin_refused":
      return new AlpacaError(403, 40310000, error.message);
    case "insufficient_funds":
      return new AlpacaError(403, 40310000, `insufficient balance: ${error.message}`);
    case "not_found":
      return new AlpacaError(404, 40410000, error.message);
    case "duplicate_client_order_id":
      return alpacaErrors.duplicateClientOrderId();
    case "order_not_open":
      return alpacaErrors.notCancelable(error.message);
    case "rate_limited":
      return new AlpacaError(429, 42910000, "rate limit exceeded");
    case "invalid_json":
      return new AlpacaError(400, 40010000, error.message);
    case "payload_too_large":
      return new AlpacaError(413, 40010000, error.message);
    case "unsupported_media_type":
      return new AlpacaError(415, 40010000, error.message);
    case "internal_error":
    case "backend_unavailable":
      return new AlpacaError(500, 50010000, "internal server error");
    default:
      return new AlpacaError(422, 40010000, error.message);
  }
}

function send(reply: FastifyReply, error: AlpacaError) {
  return reply
    .code(error.status)
    .type("application/json; charset=utf-8")
    .send({ code: error.code, message: error.message });
}

/** The error handler and 404 of the `/alpaca` scope: every failure in Alpaca's body, never a 500 for bad input. */
export function useAlpacaErrors(scope: FastifyInstance): void {
  scope.setErrorHandler((error: FastifyError | AppError | AlpacaError | ZodError, request, reply) => {
    if (error instanceof AlpacaError) return send(reply, error);
    if (error instanceof AppError) {
      if (error.extra.retryAfterSeconds) reply.header("retry-after", String(error.extra.retryAfterSeconds));
      return send(reply, fromAppError(error));
    }
    const zodError = error instanceof ZodError ? error : error.cause instanceof ZodError ? error.cause : undefined;
    if (zodError) {
      const issue = zodError.issues[0];
      const path = issue?.path.join(".");
      return send(reply, alpacaErrors.invalid(path ? `${path}: ${issue?.message}` : (issue?.message ?? "invalid")));
    }
    const fastifyError = error as FastifyError;
    const status = fastifyError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const invalidJson =
        error instanceof SyntaxError ||
        fastifyError.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
        fastifyError.code === "FST_ERR_CTP_EMPTY_JSON_BODY";
      return send(
        reply,
        new AlpacaError(
          invalidJson ? 400 : status,
          40010000,
          invalidJson ? "request body format is invalid" : error.message,
        ),
      );
    }
    request.log.error({ err: error }, "unhandled error");
    return send(reply, new AlpacaError(500, 50010000, "internal server error"));
  });
  scope.setNotFoundHandler((request, reply) =>
    send(reply, alpacaErrors.notFound(`endpoint not found: ${request.method} ${request.url.split("?")[0]}`)),
  );
}
