/** "0x1234…abcd": how an address is shown where a name would be (both apps). */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
