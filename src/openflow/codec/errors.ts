/** The only errors the codec throws: each carries the OpenFlow error pair to answer the peer with. */

/**
 * A message (or a nested TLV inside it) could not be decoded.
 * `errType`/`errCode` are OpenFlow 1.3 numbers (`OFPET_*`, `OFPBRC_*`, ...), ready to be sent
 * back in an OFPT_ERROR; the session maps them to OpenFlow 1.0 numbers for 1.0 peers.
 */
export class OfDecodeError extends Error {
  override readonly name = 'OfDecodeError';
  constructor(
    readonly errType: number,
    readonly errCode: number,
    message: string,
    /** Byte offset from the start of the decoded buffer, where known. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at offset ${offset})`);
  }
}

/** A message object could not be encoded: the message names the field that is wrong. */
export class OfEncodeError extends Error {
  override readonly name = 'OfEncodeError';
  constructor(
    message: string,
    /** Dotted path of the offending field, e.g. `match[2].value`. */
    readonly field?: string,
  ) {
    super(field === undefined ? message : `${field}: ${message}`);
  }
}

/** Exhaustiveness guard for `switch` over a discriminated union. */
export function assertNever(x: never, what = 'value'): never {
  throw new OfEncodeError(`unexpected ${what}: ${JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
}
