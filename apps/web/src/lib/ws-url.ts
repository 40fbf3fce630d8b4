/**
 * Where the browser opens the api's WebSocket. NEXT_PUBLIC_ variables are fixed
 * when the web app is built (the page's Content-Security-Policy allows the same URL).
 */
export const DEFAULT_WS_URL = "ws://localhost:3001/ws";
export const WS_URL = process.env.NEXT_PUBLIC_WS_URL || DEFAULT_WS_URL;
