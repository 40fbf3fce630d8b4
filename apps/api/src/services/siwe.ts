import { randomBytes } from "node:crypto";
import { SIWE_LINK_STATEMENT, SIWE_SIGN_IN_STATEMENT, type SiweMessageBody } from "@tradeboard/contracts";
import { consumeSiweNonce, type Db, findSiweNonce, insertSiweNonce } from "@tradeboard/db";
import {
  type Address,
  BaseError,
  type Chain,
  createPublicClient,
  custom,
  defineChain,
  formatUnits,
  getAddress,
  type Hex,
  http,
  type PublicClient,
} from "viem";
import * as knownChains from "viem/chains";
import { parseSiweMessage, verifySiweMessage } from "viem/siwe";
import { AppError } from "../errors.ts";

export interface SiweOptions {
  db: Db;
  /** The web origins a message may be signed for (WEB_ORIGIN and CORS_ORIGINS). */
  origins: readonly string[];
  chainIds: readonly number[];
  rpcUrls: Readonly<Record<number, string>>;
  nonceTtlMs: number;
  now?: () => number;
  log?: (message: string) => void;
}

/** What a signed message is for; each has its own statement (see contracts/wallets.ts). */
export type SiwePurpose = "sign_in" | "link";
const STATEMENTS: Record<SiwePurpose, string> = { sign_in: SIWE_SIGN_IN_STATEMENT, link: SIWE_LINK_STATEMENT };

export interface VerifiedWallet {
  address: Address;
  chainId: number;
}

/** A signed message may be issued up to this far in the future (clock skew) … */
const MAX_CLOCK_SKEW_MS = 60_000;
/** … and is refused once older than this, whatever its own expiration says. */
const MAX_MESSAGE_AGE_MS = 10 * 60_000;
const BALANCE_CACHE_MS = 30_000;

function chainById(id: number, rpcUrl: string | undefined): Chain {
  const known = (Object.values(knownChains) as Chain[]).find((chain) => chain.id === id);
  if (known) return known;
  return defineChain({
    id,
    name: `Chain ${id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: rpcUrl ? [rpcUrl] : [] } },
  });
}

/** An RPC failure in words, without the URL (RPC URLs often carry an API key). */
function describe(error: unknown): string {
  return error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.name : "unknown error";
}

/**
 * Sign-In with Ethereum (EIP-4361) on the api: issues nonces and verifies signed
 * messages with viem. A nonce is issued here, used up by the first message that
 * presents it and expires; the domain, URI, chain id, statement, issued-at and
 * expiration of the message are checked before the signature. Plain (EOA) signatures are checked offline; a contract wallet's
 * (EIP-1271 / ERC-6492) through the chain's RPC URL when one is configured.
 */
export class SiweService {
  readonly #options: SiweOptions;
  readonly #clients = new Map<number, PublicClient>();
  readonly #balances = new Map<string, { at: number; value: Promise<{ amount: string; symbol: string } | null> }>();

  constructor(options: SiweOptions) {
    this.#options = options;
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  #client(chainId: number): PublicClient {
    let client = this.#clients.get(chainId);
    if (!client) {
      const rpcUrl = this.#options.rpcUrls[chainId];
      client = createPublicClient({
        chain: chainById(chainId, rpcUrl),
        transport: rpcUrl
          ? http(rpcUrl, { timeout: 5_000, retryCount: 1 })
          : custom(
              {
                request: async () => {
                  throw new Error(`no RPC URL is configured for chain ${chainId}`);
                },
              },
              { retryCount: 0 },
            ),
      });
      this.#clients.set(chainId, client);
    }
    return client;
  }

  async issueNonce(): Promise<string> {
    // SIWE nonces are alphanumeric, at least 8 characters.
    const nonce = randomBytes(16).toString("hex");
    const now = this.#now();
    await insertSiweNonce(this.#options.db, {
      nonce,
      expiresAt: new Date(now + this.#options.nonceTtlMs),
      now: new Date(now),
    });
    return nonce;
  }

  /**
   * Checks a signed message for `purpose` and uses up its nonce. Returns the
   * checksummed address and the chain; throws an AppError that says what was
   * wrong. The nonce is used up by the first message that presents it, whatever
   * follows: one nonce allows one signature check (for a contract wallet, one
   * RPC call), and a refused message cannot be tried again.
   */
  async verify(body: SiweMessageBody, purpose: SiwePurpose): Promise<VerifiedWallet> {
    const now = this.#now();
    let parsed: ReturnType<typeof parseSiweMessage>;
    try {
      parsed = parseSiweMessage(body.message);
    } catch {
      parsed = {};
    }
    const { address, domain, uri, chainId, nonce, issuedAt, expirationTime, notBefore, version, statement } = parsed;
    if (!address || !domain || !uri || !chainId || !nonce || !issuedAt || version !== "1") {
      throw new AppError(
        "siwe_invalid_message",
        "This is not a Sign-In with Ethereum message (EIP-4361): it needs an address, domain, URI, chain id, nonce and issued-at.",
      );
    }

    // First, before anything can be learnt from this message: one UPDATE decides between racing requests.
    if (!(await consumeSiweNonce(this.#options.db, { nonce, now: new Date(now) }))) {
      const stored = await findSiweNonce(this.#options.db, nonce);
      if (stored && !stored.usedAt && stored.expiresAt.getTime() <= now) {
        throw new AppError("siwe_expired", "This sign-in message has expired. Sign a new one.");
      }
      throw new AppError(
        "siwe_nonce_used",
        "This sign-in message was already used or was not issued by Tradeboard. Sign a new one.",
      );
    }

    const origin = this.#options.origins.find((o) => new URL(o).host === domain);
    if (!origin || !URL.canParse(uri) || new URL(uri).origin !== new URL(origin).origin) {
      throw new AppError(
        "siwe_wrong_domain",
        `This message was signed for ${domain}, not for this site. Sign in again from this page.`,
      );
    }
    if (!this.#options.chainIds.includes(chainId)) {
      throw new AppError(
        "siwe_wrong_chain",
        `Chain ${chainId} is not accepted here; switch your wallet to one of: ${this.#options.chainIds.join(", ")}.`,
      );
    }
    if (statement !== STATEMENTS[purpose]) {
      throw new AppError(
        "siwe_wrong_statement",
        purpose === "sign_in"
          ? `This message does not say "${SIWE_SIGN_IN_STATEMENT}": it was signed for something else. Sign in again from this page.`
          : `This message does not say "${SIWE_LINK_STATEMENT}": it was signed for something else. Link the wallet again from Settings.`,
      );
    }
    if (
      issuedAt.getTime() > now + MAX_CLOCK_SKEW_MS ||
      issuedAt.getTime() < now - MAX_MESSAGE_AGE_MS ||
      (expirationTime && expirationTime.getTime() <= now) ||
      (notBefore && notBefore.getTime() > now + MAX_CLOCK_SKEW_MS)
    ) {
      throw new AppError("siwe_expired", "This sign-in message has expired (or is not valid yet). Sign a new one.");
    }

    if (!(await this.#signatureMatches(body, { domain, nonce, chainId, now }))) {
      throw new AppError("siwe_bad_signature", `The signature was not made by ${getAddress(address)}.`);
    }
    return { address: getAddress(address), chainId };
  }

  async #signatureMatches(
    body: SiweMessageBody,
    checks: { domain: string; nonce: string; chainId: number; now: number },
  ): Promise<boolean> {
    try {
      return await verifySiweMessage(this.#client(checks.chainId), {
        message: body.message,
        signature: body.signature as Hex,
        domain: checks.domain,
        nonce: checks.nonce,
        // A contract wallet is asked on-chain (ERC-6492 / EIP-1271); when that is not possible,
        // viem falls back to recovering a plain key's signer offline.
        time: new Date(checks.now),
      });
    } catch (error) {
      if (this.#options.rpcUrls[checks.chainId]) {
        this.#options.log?.(`SIWE: contract-wallet check on chain ${checks.chainId} failed: ${describe(error)}`);
      }
      return false;
    }
  }

  /** The address's native balance on the chain, when an RPC URL is configured for it (cached briefly). */
  nativeBalance(address: string, chainId: number): Promise<{ amount: string; symbol: string } | null> {
    if (!this.#options.rpcUrls[chainId]) return Promise.resolve(null);
    const key = `${chainId}:${address}`;
    const cached = this.#balances.get(key);
    if (cached && this.#now() - cached.at < BALANCE_CACHE_MS) return cached.value;
    const client = this.#client(chainId);
    const value = client
      .getBalance({ address: address as Address })
      .then((wei) => ({
        amount: formatUnits(wei, client.chain?.nativeCurrency.decimals ?? 18),
        symbol: client.chain?.nativeCurrency.symbol ?? "ETH",
      }))
      .catch((error: unknown) => {
        this.#options.log?.(`wallet balance on chain ${chainId} unavailable: ${describe(error)}`);
        this.#balances.delete(key);
        return null;
      });
    this.#balances.set(key, { at: this.#now(), value });
    if (this.#balances.size > 10_000) this.#balances.delete(this.#balances.keys().next().value as string);
    return value;
  }
}
