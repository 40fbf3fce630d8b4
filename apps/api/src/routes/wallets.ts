import { type SiweNonceResponse, siweMessageBody, walletAddressParams } from "@tradeboard/contracts";
import type { FastifyInstance } from "fastify";
import { toUserResponse } from "../plugins/auth.ts";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";
import {
  linkWallet,
  listUserWallets,
  signInWithEthereum,
  unlinkWallet,
  type WalletsDeps,
} from "../services/wallets.ts";

/** Sign-In with Ethereum and the wallets linked to an account. */
export function walletsRoutes(app: FastifyInstance, deps: WalletsDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get("/api/siwe/nonce", async (_req, reply): Promise<SiweNonceResponse> => {
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
    { onRequest: app.requireUser, schema: { body: siweMessageBody } },
    async (req, reply) => {
      const { wallet, created } = await linkWallet(deps, req.user, req.body);
      return reply.code(created ? 201 : 200).send({ wallet });
    },
  );

  r.delete(
    "/api/users/me/wallets/:address",
    { onRequest: app.requireUser, schema: { params: walletAddressParams } },
    async (req, reply) => {
      await unlinkWallet(deps, req.user, req.params.address);
      return reply.code(204).send();
    },
  );
}
