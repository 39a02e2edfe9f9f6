import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** Where a request came from, as the rate limits count it. */
export type ClientAddress = (c: Context) => string;

/** What {@link socketAddress} answers when the request came through no socket. */
export const UNKNOWN_ADDRESS = 'unknown';

/**
 * The peer address of the request's TCP connection (`@hono/node-server`'s connection info),
 * never a header such as `X-Forwarded-For` that the client writes itself. Behind a reverse proxy
 * every request therefore counts as the proxy's. A request with no socket (`app.request` in
 * tests) is {@link UNKNOWN_ADDRESS}.
 *
 * @example
 * socketAddress(c); // '203.0.113.7' or '::1'
 */
export const socketAddress: ClientAddress = (c) => {
  try {
    return getConnInfo(c).remote.address ?? UNKNOWN_ADDRESS;
  } catch {
    return UNKNOWN_ADDRESS;
  }
};
