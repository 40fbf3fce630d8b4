/**
 * How long sessions and emailed links live, for both apps. (No schema library
 * here: the sign-in pages import these, and a page that imports a module
 * ships all of it.)
 */

/** How long a session token lives (Auth.js `maxAge`). */
export const SESSION_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;
/** How long an emailed sign-in or password-reset link can be used. */
export const SIGN_IN_LINK_TTL_SECONDS = 10 * 60;
