/**
 * The statement of each kind of signed message. A message says what it is for,
 * and each endpoint accepts only its own: a message signed to link a wallet
 * cannot sign in, and a sign-in message cannot link a wallet to an account.
 * (No schema library here: the wallet pages import these.)
 */
export const SIWE_SIGN_IN_STATEMENT = "Sign in to Tradeboard.";
export const SIWE_LINK_STATEMENT = "Link this wallet to my Tradeboard account.";
