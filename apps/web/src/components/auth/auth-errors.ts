import { SIGN_IN_LINK_TTL_SECONDS } from "@tradeboard/contracts";

const MINUTES = SIGN_IN_LINK_TTL_SECONDS / 60;

/**
 * What each Auth.js error (and each refusal our callbacks send) means, in a
 * sentence a person understands. Auth.js puts the code in `?error=` on /login.
 */
const MESSAGES: Record<string, string> = {
  OAuthAccountNotLinked:
    "That sign-in is linked to a different Tradeboard account. Sign in to the account you want, then link it in Settings → Sign-in methods.",
  OAuthEmailUnverified:
    "An account with this email already exists, but the provider has not verified the address, so we did not link them. Sign in another way (password, email link or wallet), then link the provider in Settings → Sign-in methods.",
  OAuthAccountTaken:
    "That provider account already signs in to another Tradeboard account. Unlink it there first, then link it here.",
  OAuthProfile: "The provider did not tell us who you are. Try again, or choose another way to sign in.",
  OAuthCallbackError:
    "Signing in with the provider was cancelled or did not finish. Try again, or choose another way to sign in.",
  AccessDenied: "Sign-in was refused. Try again, or choose another way to sign in.",
  Verification: `This sign-in link has expired or was already used. A link works once, for ${MINUTES} minutes: ask for a new one below.`,
  MissingCSRF: "The sign-in form had expired. Please try again.",
  EmailRateLimited:
    "Too many links were asked for this address or from your network. Wait a few minutes, then try again.",
  EmailSignin: "We could not send the sign-in email. Please try again shortly.",
  SessionEnded: "Your session had ended. Sign in again, then try once more.",
  BackendUnavailable: "The trading service is unavailable right now. Please try again shortly.",
  Configuration:
    "Sign-in could not be completed: it was interrupted, took too long, or something is wrong on our side. Please start again.",
};

/** Codes the password and wallet forms pass on from the api (`?error=CredentialsSignin&code=…`). */
const CODES: Record<string, string> = {
  invalid_credentials: "Wrong email or password.",
  rate_limited: "Too many failed sign-ins. Wait a few minutes, then try again.",
  backend_unavailable: "The trading service is unavailable right now. Please try again shortly.",
};

export function authErrorMessage(error: string | undefined, code?: string): string | null {
  if (!error) return null;
  if (code && CODES[code]) return CODES[code];
  return MESSAGES[error] ?? "Sign-in did not work. Please try again, or choose another way to sign in.";
}
