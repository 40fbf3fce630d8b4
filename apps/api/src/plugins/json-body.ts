import type { FastifyInstance } from "fastify";

/**
 * JSON bodies as Fastify parses them (secure-json-parse, prototype poisoning
 * refused), except that an empty body is no body: many HTTP client wrappers send
 * `content-type: application/json` with nothing on DELETE or on a POST without a
 * payload. The route's own validation then decides, as if no body had come.
 */
export function useJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.length === 0) {
      done(null, undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
