import { forwardToApi } from "@/lib/backend";
import { clientIp } from "@/lib/client-ip";

/**
 * Every /api/* path that is not Next's own (Auth.js lives at /api/auth/*, a more
 * specific route that wins) is the api's: /api/users, /api/authenticate, ...
 * but never /api/internal/*, which the forwarder refuses (only the web server
 * itself calls those). `npm start` forwards in server.ts before Next's routing,
 * through the same function; `next dev` comes here.
 */
export const dynamic = "force-dynamic";

async function handle(request: Request): Promise<Response> {
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
