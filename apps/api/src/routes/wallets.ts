import { type SiweNonceResponse, siweMessageBody, walletAddressParams } from "@tradeboard/contracts";
import type { FastifyInstance } from "fastify";
import { AppError } from "../errors.ts";
import { toUserResponse } from "../plugins/auth.ts";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";
import { FixedWindowLimiter } from "../services/rate-limit.ts";
import {
  linkWallet,
  listUserWallets,
  signInWithEthereum,
  unlinkWallet,
  type WalletsDeps,
} from "../services/wallets.ts";

/** Sign-in nonces one client address may ask for per minute. */
export const NONCES_PER_MINUTE = 60;

/** Sign-In with Ethereum and the wallets linked to an account. */
export function walletsRoutes(app: FastifyInstance, deps: WalletsDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Every nonce is a row until it expires: a client cannot ask for them without end.
  const nonceLimiter = new FixedWindowLimiter({ limit: NONCES_PER_MINUTE, windowMs: 60_000 });

  r.get("/api/siwe/nonce", async (req, reply): Promise<SiweNonceResponse> => {
    const wait = nonceLimiter.take(req.ip);
    if (wait > 0) {
      throw new AppError("rate_limited", `Too many sign-in attempts from this address. Try again in ${wait} seconds.`, {
        retryAfterSeconds: wait,
      });
    }
    reply.header("cache-control", "no-store");
    return { nonce: await deps.siwe.issueNonce() };
  });

  r.post(
    "/api/internal/auth/siwe",
    { onRequest: app.requireService, schema: { body: siweMessageBody } },
    async (req) => {
      const { user, created } = await signInWithEthereum(deps, req.body);
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
