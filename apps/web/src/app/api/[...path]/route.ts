import type { ErrorBody } from "@tradeboard/contracts";
import { forwardToApi } from "@/lib/backend";
import { clientIp } from "@/lib/client-ip";
import { isInternalApiPath } from "@/lib/internal-path";

/**
 * Every /api/* path that is not Next's own (Auth.js lives at /api/auth/*, a more
 * specific route that wins) is the api's: /api/users, /api/authenticate, ...
 * but never /api/internal/*, which only the web server itself calls.
 */
export const dynamic = "force-dynamic";

async function handle(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (isInternalApiPath(pathname)) {
    const body: ErrorBody = {
      error: { code: "not_found", message: `The api has no route ${request.method} ${pathname}` },
    };
    return Response.json(body, { status: 404, headers: { "cache-control": "no-store" } });
  }
  return forwardToApi(request, clientIp(request));
}

export {
  handle as DELETE,
  handle as GET,
  handle as HEAD,
  handle as OPTIONS,
  handle as PATCH,
  handle as POST,
  handle as PUT,
};
