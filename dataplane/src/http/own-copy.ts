// Strings a remembered value keeps must not be slices of a request head: V8 keeps a sliced
// string's whole parent alive, so one short remembered Host or address would pin a head of up to
// the head limit for as long as it is remembered.

/**
 * A copy of `value` that shares no memory with the head it was cut from, or undefined when the
 * copy would not be exact (values of a head are latin1 text; anything else is not remembered).
 */
export function ownCopy(value: string): string | undefined {
  const own = Buffer.from(value, 'latin1').toString('latin1');
  return own === value ? own : undefined;
}
