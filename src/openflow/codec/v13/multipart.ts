/** OpenFlow 1.3 multipart requests and replies (ofp_multipart_request/reply and their bodies). Placeholder. */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

/** A body of OFPT_MULTIPART_REQUEST, tagged by the OFPMP_* kind. */
export type MultipartRequestBody = { readonly type: 'desc' };
/** A body of OFPT_MULTIPART_REPLY, tagged by the OFPMP_* kind. */
export type MultipartReplyBody = { readonly type: 'desc' };

export interface MultipartRequest {
  readonly version: 4;
  readonly type: 'multipart_request';
  readonly xid: number;
  /** OFPMPF_REQ_* bits. */
  readonly flags: number;
  readonly body: MultipartRequestBody;
}

export interface MultipartReply {
  readonly version: 4;
  readonly type: 'multipart_reply';
  readonly xid: number;
  /** OFPMPF_REPLY_* bits (OFPMPF_REPLY_MORE = 1: more parts follow). */
  readonly flags: number;
  readonly body: MultipartReplyBody;
}

/** Decodes a MULTIPART_REQUEST; `r` is bounded to the message and positioned after the header. */
export function decodeMultipartRequest(_xid: number, _r: Reader): MultipartRequest {
  throw new Error('not implemented');
}

/** Decodes a MULTIPART_REPLY; `r` is bounded to the message and positioned after the header. */
export function decodeMultipartReply(_xid: number, _r: Reader): MultipartReply {
  throw new Error('not implemented');
}

/** Writes everything after the 8-byte header: type, flags, padding and the body. */
export function encodeMultipartBody(_w: Writer, _m: MultipartRequest | MultipartReply): void {
  throw new Error('not implemented');
}

/** Joins the parts of a reply sent with OFPMPF_REPLY_MORE into one reply (lists concatenated in order). */
export function mergeMultipartReplies(_parts: readonly MultipartReply[]): MultipartReply {
  throw new Error('not implemented');
}
