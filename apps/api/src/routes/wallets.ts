import { type SiweNonceResponse, siweMessageBody, siweSignInBody, walletAddressParams } from "@tradeboard/contracts";
import type { FastifyInstance } from "fastify";
import { AppError } from "../errors.ts";
import { toUserResponse } from "../plugins/auth.ts";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";
import { WindowLimiter } from "../services/rate-limit.ts";
import {
  linkWallet,
  listUserWallets,
  signInWithEthereum,
  unlinkWallet,
  type WalletsDeps,
} from "../services/wallets.ts";

/** Sign-in nonces one client address may ask for per minute. */
export const NONCES_PER_MINUTE = 60;
/** Signed messages one client address may have checked per minute (a contract wallet's check is an RPC call). */
export const SIGNATURE_CHECKS_PER_MINUTE = 20;

/** Sign-In with Ethereum and the wallets linked to an account. */
export function walletsRoutes(app: FastifyInstance, deps: WalletsDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Every nonce is a row until it expires: a client cannot ask for them without end.
  const nonceLimiter = new WindowLimiter({ limit: NONCES_PER_MINUTE, windowMs: 60_000 });
  // Each check may be an RPC call (contract wallets): sign-ins and links from one address share this allowance.
  const checkLimiter = new WindowLimiter({ limit: SIGNATURE_CHECKS_PER_MINUTE, windowMs: 60_000 });
  const admit = (limiter: WindowLimiter, ip: string | undefined) => {
    const wait = ip === undefined ? 0 : limiter.take(ip);
    if (wait > 0) {
      throw new AppError("rate_limited", `Too many sign-in attempts from this address. Try again in ${wait} seconds.`, {
        retryAfterSeconds: wait,
      });
    }
  };

  r.get("/api/siwe/nonce", async (req, reply): Promise<SiweNonceResponse> => {
    admit(nonceLimiter, req.ip);
    reply.header("cache-control", "no-store");
    return { nonce: await deps.siwe.issueNonce() };
  });

  r.post(
    "/api/internal/auth/siwe",
    { onRequest: app.requireService, schema: { body: siweSignInBody } },
    async (req) => {
      // The caller is the web server; the address it passes on is the person's.
      const { ip, ...signed } = req.body;
      admit(checkLimiter, ip);
      const { user, created } = await signInWithEthereum(deps, signed);
      return { user: toUserResponse(user), created };
    },
  );

  r.get("/api/users/me/wallets", { onRequest: app.requireUser }, async (req, reply) => {
    reply.header("cache-control", "no-store");
    return { wallets: await listUserWallets(deps, req.user.id) };
  });

  r.post(
    "/api/users/me/wallets",
    { onRequest: app.requireSession, schema: { body: siweMessageBody } },
    async (req, reply) => {
      admit(checkLimiter, req.ip);
      const { wallet, created } = await linkWallet(deps, req.user, req.body);
      return reply.code(created ? 201 : 200).send({ wallet });
    },
  );

  r.delete(
    "/api/users/me/wallets/:address",
    { onRequest: app.requireSession, schema: { params: walletAddressParams } },
    async (req, reply) => {
      await unlinkWallet(deps, req.user, req.params.address);
      return reply.code(204).send();
    },
  );
}
