import { z } from "zod";

export const balance = z.object({
  asset: z.string(),
  available: z.string(),
  held: z.string(),
});
export type Balance = z.infer<typeof balance>;

/** GET /api/balances */
export const balancesResponse = z.object({ balances: z.array(balance) });
export type BalancesResponse = z.infer<typeof balancesResponse>;
