import { type ErrorBody, fieldErrors } from "@tradeboard/contracts";
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { ZodError } from "zod";
import { AppError } from "../errors.ts";

function send(reply: FastifyReply, status: number, error: ErrorBody["error"]) {
  return reply.code(status).type("application/json; charset=utf-8").send({ error });
}

/** One mapper for every error: AppError → its status, zod → 400 with fields, anything else → generic 500. */
export function useErrorMapping(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError | ZodError, request, reply) => {
    if (error instanceof AppError) {
      if (error.extra.retryAfterSeconds) reply.header("retry-after", String(error.extra.retryAfterSeconds));
      return send(reply, error.status, { code: error.code, message: error.message, fields: error.extra.fields });
    }
    const zodError = error instanceof ZodError ? error : error.cause instanceof ZodError ? error.cause : undefined;
    if (zodError || ("validation" in error && error.validation)) {
      const fields = zodError ? fieldErrors(zodError) : undefined;
      const context = "validationContext" in error ? error.validationContext : undefined;
      const first = fields ? Object.entries(fields)[0] : undefined;
      const message = first ? `${first[0] === "_" ? (context ?? "request") : first[0]}: ${first[1]}` : error.message;
      return send(reply, 400, { code: "validation_failed", message, fields });
    }
    const fastifyError = error as FastifyError;
    const status = fastifyError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code =
        error instanceof SyntaxError ||
        fastifyError.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
        fastifyError.code === "FST_ERR_CTP_EMPTY_JSON_BODY"
          ? "invalid_json"
          : status === 413
            ? "payload_too_large"
            : status === 415
              ? "unsupported_media_type"
              : status === 404
                ? "not_found"
                : "validation_failed";
      return send(reply, status, { code, message: error.message });
    }
    request.log.error({ err: error }, "unhandled error");
    return send(reply, 500, { code: "internal_error", message: "Something went wrong on our side." });
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, {
      code: "not_found",
      message: `The api has no route ${request.method} ${request.url.split("?")[0]}`,
    }),
  );
}
