/** Text forms of link and network addresses, shared by the codec, the packet library and the API. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `aa:bb:cc:dd:ee:ff` from 6 bytes. */
export function formatMac(b: Uint8Array, off = 0): string {
  return `${HEX[b[off]!]}:${HEX[b[off + 1]!]}:${HEX[b[off + 2]!]}:${HEX[b[off + 3]!]}:${HEX[b[off + 4]!]}:${HEX[b[off + 5]!]}`;
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

/** 6 bytes from `aa:bb:cc:dd:ee:ff` (also accepts `-` separators); throws RangeError on bad input. */
export function parseMac(s: string, out: Uint8Array = new Uint8Array(6), off = 0): Uint8Array {
  const m = /^([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})$/.exec(s);
  if (!m) throw new RangeError(`not a MAC address: ${JSON.stringify(s)}`);
  for (let i = 0; i < 6; i++) out[off + i] = parseInt(m[i + 1]!, 16);
  return out;
}

/** The 32-bit unsigned value of a dotted quad; throws RangeError on bad input. */
export function parseIpv4(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${JSON.stringify(s)}`);
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new RangeError(`not an IPv4 address: ${JSON.stringify(s)}`);
    v = v * 256 + Number(p);
  }
  return v;
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
