// Channel names, apart from the message schemas so that a browser page can use them
// without the schema library.
export const tickerChannel = (symbol: string) => `ticker:${symbol}`;
export const candlesChannel = (symbol: string, interval: string) => `candles:${symbol}:${interval}`;
export const USER_CHANNEL = "user";
