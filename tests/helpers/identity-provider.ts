import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export const OIDC_CLIENT = { id: "tradeboard-e2e", secret: "tradeboard-e2e-client-secret-0123456789" };
export const OTHER_CLIENT = { id: "someone-else", secret: "someone-else-client-secret-0123456789" };

export interface IdentityProvider {
  issuer: string;
  stop(): Promise<void>;
}

/**
 * A real OpenID Connect provider (panva's `oidc-provider`, unmodified) on a
 * loopback port, with its own development login and consent pages. Any login
 * name signs in: `<name>@idp.example` is its email, verified unless the name
 * starts with "unverified".
 */
export async function startIdentityProvider(webUrl: string): Promise<IdentityProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redirect = `${webUrl}/api/auth/callback/oidc`;
  const provider = new Provider(issuer, {
    clients: [
      { client_id: OIDC_CLIENT.id, client_secret: OIDC_CLIENT.secret, redirect_uris: [redirect] },
      // A second client registered with the same redirect: its codes must not work for Tradeboard.
      { client_id: OTHER_CLIENT.id, client_secret: OTHER_CLIENT.secret, redirect_uris: [redirect] },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    cookies: { keys: ["identity-provider-test-cookie-key"] },
    pkce: { required: () => true },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: `${id}@idp.example`,
            email_verified: !id.startsWith("unverified"),
            name: id.charAt(0).toUpperCase() + id.slice(1),
          };
        },
      };
    },
  });
  // Development keys and interactions print warnings; they are what a test wants.
  provider.on("server_error", (_ctx, error) => console.error("identity provider:", error));
  server.on("request", provider.callback());
  return {
    issuer,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
