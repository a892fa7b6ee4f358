// Cipher lists are checked by OpenSSL itself: what it accepts is what the dataplane will use.
import { createSecureContext } from 'node:tls';

/** A problem with an OpenSSL cipher list, or undefined when OpenSSL accepts it. */
export function cipherListProblem(ciphers: string): string | undefined {
  try {
    createSecureContext({ ciphers });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
