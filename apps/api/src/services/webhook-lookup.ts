import { lookup } from "node:dns";
import type { LookupFunction } from "node:net";
import { isInternalAddress } from "./webhook-address.ts";

/** A lookup that refuses internal addresses at connect time (no DNS-rebinding way round the URL check). */
export function guardedLookup(allowInternal: boolean, resolve: typeof lookup = lookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: false }, (err, address, family) => {
      if (err) return callback(err, "", 0);
      if (!allowInternal && isInternalAddress(address as string)) {
        return callback(new Error(`refused: ${hostname} resolves to an internal address`), "", 0);
      }
      callback(null, address as string, family);
    });
  };
}
