import type { Page } from "playwright-core";
import type { Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";

/**
 * A browser wallet for tests: an EIP-1193 provider injected into the page
 * (window.ethereum, and announced by EIP-6963 as "Test Wallet") whose key is a
 * viem local account held by the test process. Signing requests cross to Node
 * through an exposed function; the key never enters the page.
 */
export async function installInjectedWallet(
  page: Page,
  account: PrivateKeyAccount,
  options: { chainId?: number; name?: string; rejectSigning?: boolean } = {},
): Promise<void> {
  await page.exposeFunction("__testWalletSign", (raw: Hex) => account.signMessage({ message: { raw } }));
  const config = {
    address: account.address,
    chainId: options.chainId ?? 1,
    name: options.name ?? "Test Wallet",
    rejectSigning: options.rejectSigning ?? false,
  };
  // Sent as source text: a transpiled function could carry helpers (such as esbuild's __name) the page lacks.
  await page.addInitScript(`(${PROVIDER_SCRIPT})(${JSON.stringify(config)});`);
}

/** Runs in the page: an EIP-1193 provider that answers the calls wagmi makes, announced by EIP-6963. */
const PROVIDER_SCRIPT = `function ({ address, chainId, name, rejectSigning }) {
  const listeners = new Map();
  const emit = (event, ...args) => {
    for (const fn of listeners.get(event) ?? []) fn(...args);
  };
  let connected = false;
  let chain = "0x" + chainId.toString(16);
  const provider = {
    async request({ method, params }) {
      switch (method) {
        case "eth_requestAccounts":
          connected = true;
          emit("connect", { chainId: chain });
          emit("accountsChanged", [address]);
          return [address];
        case "eth_accounts":
          return connected ? [address] : [];
        case "eth_chainId":
          return chain;
        case "net_version":
          return String(Number.parseInt(chain, 16));
        case "wallet_requestPermissions":
          return [{ parentCapability: "eth_accounts" }];
        case "wallet_getPermissions":
          return connected ? [{ parentCapability: "eth_accounts" }] : [];
        case "wallet_revokePermissions":
          connected = false;
          return null;
        case "wallet_switchEthereumChain":
          chain = params[0].chainId;
          emit("chainChanged", chain);
          return null;
        case "personal_sign": {
          const [data, from] = params;
          if (from.toLowerCase() !== address.toLowerCase()) throw { code: 4100, message: "unknown account" };
          if (rejectSigning) throw { code: 4001, message: "User rejected the request." };
          return window.__testWalletSign(data);
        }
        default:
          throw { code: 4200, message: "the test wallet does not support " + method };
      }
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      return provider;
    },
    removeListener(event, fn) {
      listeners.get(event)?.delete(fn);
      return provider;
    },
  };
  window.ethereum = provider;
  const info = {
    uuid: "7d3c1e7a-0d1f-4c5e-9a55-3e5f0c1d2b4a",
    name,
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'%3E%3Crect width='1' height='1' fill='%23f59e0b'/%3E%3C/svg%3E",
    rdns: "dev.tradeboard.test-wallet",
  };
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
}`;
