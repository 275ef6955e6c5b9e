/** Text forms of link and network addresses, shared by the codec, the packet library and the API. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** 1 at the char codes of `0-9a-f` (a code past the end reads undefined). */
const LOWER_HEX = new Uint8Array(128);
for (const c of '0123456789abcdef') LOWER_HEX[c.charCodeAt(0)] = 1;

/** Char codes of each byte's two lower-case hex digits. */
const HEX_HI = Uint8Array.from(HEX, (h) => h.charCodeAt(0));
const HEX_LO = Uint8Array.from(HEX, (h) => h.charCodeAt(1));

/**
 * `aa:bb:cc:dd:ee:ff` from 6 bytes, made from char codes as one flat string: text joined with `+`
 * or a template is kept by V8 as a tree of its pieces, held by whatever holds the MAC (a host, a flow).
 */
export function formatMac(b: Uint8Array, off = 0): string {
  const b0 = b[off]!;
  const b1 = b[off + 1]!;
  const b2 = b[off + 2]!;
  const b3 = b[off + 3]!;
  const b4 = b[off + 4]!;
  const b5 = b[off + 5]!;
  return String.fromCharCode(
    HEX_HI[b0]!, HEX_LO[b0]!, 58, HEX_HI[b1]!, HEX_LO[b1]!, 58, HEX_HI[b2]!, HEX_LO[b2]!, 58,
    HEX_HI[b3]!, HEX_LO[b3]!, 58, HEX_HI[b4]!, HEX_LO[b4]!, 58, HEX_HI[b5]!, HEX_LO[b5]!,
  );
}

/** True for a MAC already in the text {@link formatMac} gives (`aa:bb:cc:dd:ee:ff`, lower case): a key can use it as it is. */
export function isFormattedMac(s: string): boolean {
  if (s.length !== 17) return false;
  for (let i = 0; i < 15; i += 3) if (LOWER_HEX[s.charCodeAt(i)] !== 1 || LOWER_HEX[s.charCodeAt(i + 1)] !== 1 || s.charCodeAt(i + 2) !== 58) return false;
  return LOWER_HEX[s.charCodeAt(15)] === 1 && LOWER_HEX[s.charCodeAt(16)] === 1;
}

/** The first `n` bytes as lower-case hex, two digits each, no separators. */
export function hexBytes(b: Uint8Array, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[b[i]!]!;
  return s;
}

/** RFC 5952 text for 16 bytes: lower case, longest run of two or more zero groups compressed. */
export function formatIpv6(b: Uint8Array, off = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** Value of a hex digit's char code (either case), or -1. */
export function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * 6 bytes from `aa:bb:cc:dd:ee:ff` (one- or two-digit groups, `:` or `-` separators); throws
 * RangeError on bad input.
 */
export function parseMac(s: string, out: Uint8Array = new Uint8Array(6), off = 0): Uint8Array {
  if (!putMacText(s, out, off)) throw new RangeError(`not a MAC address: ${JSON.stringify(s)}`);
  return out;
}

/**
 * Writes the 6 bytes of MAC text as {@link parseMac} reads it into `out` at `off`; false on bad
 * text (what was written then is garbage). A char-code loop, no allocation: the codec calls it
 * for every MAC it encodes.
 */
export function putMacText(s: string, out: Uint8Array, off: number): boolean {
  let i = 0;
  const n = s.length;
  for (let g = 0; g < 6; g++) {
    if (g > 0) {
      const sep = s.charCodeAt(i++);
      if (sep !== 58 && sep !== 45) return false;
    }
    const a = i < n ? hexVal(s.charCodeAt(i)) : -1;
    if (a < 0) return false;
    i++;
    const b = i < n ? hexVal(s.charCodeAt(i)) : -1;
    if (b >= 0) {
      out[off + g] = (a << 4) | b;
      i++;
    } else {
      out[off + g] = a;
    }
  }
  return i === n;
}

/** The 32-bit unsigned value of a dotted quad; throws RangeError on bad input. */
export function parseIpv4(s: string): number {
  const v = ipv4Number(s);
  if (v < 0) throw new RangeError(`not an IPv4 address: ${JSON.stringify(s)}`);
  return v;
}

/**
 * The 32-bit unsigned value of a dotted quad (four parts of one to three digits, each at most
 * 255), or -1 on bad text. A char-code loop, no allocation: the codec calls it for every IPv4
 * address it encodes.
 */
export function ipv4Number(s: string): number {
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      v = v * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return v * 256 + part;
}

/** Dotted quad of a 32-bit unsigned value. */
export function formatIpv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** 16 bytes from IPv6 text (compressed form and embedded IPv4 tail accepted); throws RangeError on bad input. */
export function parseIpv6(s: string, out: Uint8Array = new Uint8Array(16), off = 0): Uint8Array {
  const bad = () => new RangeError(`not an IPv6 address: ${JSON.stringify(s)}`);
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.includes('.', lastColon)) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw bad();
  const parse = (h: string | undefined): number[] =>
    (h ? h.split(':') : []).map((x) => {
      if (!/^[0-9a-fA-F]{1,4}$/.test(x)) throw bad();
      return parseInt(x, 16);
    });
  const head = parse(halves[0]);
  const back = parse(halves[1]);
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - back.length;
    if (fill < 1) throw bad();
    groups = [...head, ...new Array<number>(fill).fill(0), ...back];
  } else {
    groups = head;
  }
  if (groups.length !== 8) throw bad();
  for (let i = 0; i < 8; i++) {
    out[off + 2 * i] = groups[i]! >>> 8;
    out[off + 2 * i + 1] = groups[i]! & 0xff;
  }
  return out;
}
