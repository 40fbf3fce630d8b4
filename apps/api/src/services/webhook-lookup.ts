import { type LookupAddress, lookup } from "node:dns";
import type { LookupFunction } from "node:net";
import { isInternalAddress } from "./webhook-address.ts";

/**
 * A lookup for outbound webhook sockets that refuses internal addresses at
 * connect time, so a name cannot be re-pointed between the URL check and the
 * connection (DNS rebinding). Node 20's connect (autoSelectFamily, "happy
 * eyeballs") asks for every address (`all: true`) and expects an array back;
 * every address is resolved and checked in both cases, and one internal
 * address refuses the name, whichever one the connection would have used.
 */
export function guardedLookup(allowInternal: boolean, resolve: typeof lookup = lookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, options.all ? [] : "", 0);
      const internal = allowInternal ? undefined : addresses.find((a) => isInternalAddress(a.address));
      if (internal) {
        const refused = new Error(`refused: ${hostname} resolves to an internal address (${internal.address})`);
        return callback(refused as NodeJS.ErrnoException, options.all ? [] : "", 0);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`) as NodeJS.ErrnoException, "", 0);
      callback(null, first.address, first.family);
    });
  };
}
