/** Errors a session's requests reject with: the switch said no, it did not answer, or it went away. */
import type { ErrorMsg } from './codec/common.js';
import { errorNames } from './codec/constants.js';

/** The switch answered a request with OFPT_ERROR. */
export class OfErrorReply extends Error {
  override readonly name = 'OfErrorReply';
  constructor(
    /** The switch's error message (type, code, data). */
    readonly reply: ErrorMsg,
    /** The request's message type. */
    readonly requestType: string,
  ) {
    const n = errorNames(reply.errType, reply.code);
    super(`switch rejected ${requestType}: ${n.type}/${n.code}`);
  }
}

/** No reply came within the request timeout. */
export class OfTimeoutError extends Error {
  override readonly name = 'OfTimeoutError';
  constructor(readonly requestType: string, readonly timeoutMs: number) {
    super(`no reply to ${requestType} within ${timeoutMs} ms`);
  }
}

/** The session closed before the request was settled. */
export class SessionClosedError extends Error {
  override readonly name = 'SessionClosedError';
  constructor(readonly reason: string) {
    super(`session closed: ${reason}`);
  }
}

/** A write was refused because another instance masters the switch. */
export class NotMasterError extends Error {
  override readonly name = 'NotMasterError';
  constructor(dpidHex: string, detail = 'another instance is master') {
    super(`switch ${dpidHex}: not master (${detail})`);
  }
}
