import { type Chain, defineChain, http } from "viem";
import { arbitrum, base, baseSepolia, foundry, mainnet, optimism, polygon, sepolia } from "viem/chains";
import { createConfig, injected, type Transport } from "wagmi";
import { walletConnect } from "wagmi/connectors/walletConnect";

/**
 * The one place wagmi + viem are configured. Chains come from the server's
 * WALLET_CHAIN_IDS (the api accepts the same ones); WalletConnect appears when a
 * project id is configured. The browser reads nothing from the chain itself
 * (balances come from the api), so transports are the chains' defaults.
 */
export interface WalletSettings {
  chainIds: number[];
  walletConnectProjectId: string | null;
}

const KNOWN_CHAINS: readonly Chain[] = [
  mainnet,
  sepolia,
  base,
  baseSepolia,
  optimism,
  arbitrum,
  polygon,
  { ...foundry, name: "Local chain" },
];

export function chainFor(id: number): Chain {
  return (
    KNOWN_CHAINS.find((chain) => chain.id === id) ??
    defineChain({
      id,
      name: `Chain ${id}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [] } },
    })
  );
}

export function createWalletConfig(settings: WalletSettings) {
  const [first, ...rest] = settings.chainIds.map(chainFor);
  if (!first) throw new Error("WALLET_CHAIN_IDS lists no chain");
  const chains = [first, ...rest] as const;
  const connectors = [
    injected({ shimDisconnect: true }),
    ...(settings.walletConnectProjectId
      ? [
          walletConnect({
            projectId: settings.walletConnectProjectId,
            showQrModal: true,
            metadata: {
              name: "Tradeboard",
              description: "Paper trading for crypto markets",
              url: typeof window === "undefined" ? "" : window.location.origin,
              icons: [],
            },
          }),
        ]
      : []),
  ];
  return createConfig({
    chains,
    connectors,
    // EIP-6963: every installed wallet announces itself and is listed by name.
    multiInjectedProviderDiscovery: true,
    ssr: true,
    transports: Object.fromEntries(chains.map((chain) => [chain.id, http()])) as Record<number, Transport>,
  });
}
