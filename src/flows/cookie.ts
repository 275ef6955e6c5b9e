/**
 * Flow cookies name their owner: the top 16 bits are the owner id, derived from the owner's name
 * so every controller instance agrees; the low 48 bits are the owner's own.
 */

/** Bits of a cookie that hold the owner id. */
export const OWNER_SHIFT = 48n;
/** Mask of the owner id bits in a cookie (OpenFlow 1.3 `cookie_mask` selecting one owner). */
export const OWNER_COOKIE_MASK = 0xffff_0000_0000_0000n;
/** Mask of the owner's own bits. */
export const LOCAL_COOKIE_MASK = 0x0000_ffff_ffff_ffffn;

/** Id 0: cookie 0 is what tools and other controllers use by default, so it names nobody. */
export const NO_OWNER_ID = 0;
/**
 * The controller's own flows, the topology's LLDP-to-controller flow among them
 * (src/topology/lldp-flow.ts: RESERVED_COOKIE_VALUE 0x5b1d…, LLDP_FLOW_COOKIE = 0x5b1d…0001).
 */
export const SYSTEM_OWNER_ID = 0x5b1d;
/** Flows an operator installs through the API or the config (static flows). */
export const STATIC_OWNER_ID = 0x5b1e;

/** Owner names that always get a reserved id. */
export const RESERVED_OWNERS: Readonly<Record<string, number>> = {
  system: SYSTEM_OWNER_ID,
  topology: SYSTEM_OWNER_ID,
  static: STATIC_OWNER_ID,
  'static-flows': STATIC_OWNER_ID,
};

const RESERVED_IDS = new Set<number>([NO_OWNER_ID, SYSTEM_OWNER_ID, STATIC_OWNER_ID]);

/**
 * The owner id of a name: reserved names get their reserved id; any other name a 16-bit FNV-1a
 * hash of its UTF-16 code units, stepping past the reserved ids. Pure, so all instances agree.
 */
export function ownerIdFor(name: string): number {
  const reserved = RESERVED_OWNERS[name];
  if (reserved !== undefined) return reserved;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Fold 32 bits to 16 (xor-folding keeps FNV's low-bit quality).
  let id = ((h >>> 16) ^ (h & 0xffff)) & 0xffff;
  while (RESERVED_IDS.has(id)) id = (id + 1) & 0xffff;
  return id;
}

/** True for the ids no app may take (0, system, static). */
export function isReservedOwnerId(id: number): boolean {
  return RESERVED_IDS.has(id);
}

/** The cookie of owner `id` with the owner's own low 48 bits. */
export function ownerCookie(id: number, local = 0n): bigint {
  return (BigInt(id & 0xffff) << OWNER_SHIFT) | (local & LOCAL_COOKIE_MASK);
}

/** The owner id in a cookie's top 16 bits. */
export function cookieOwnerId(cookie: bigint): number {
  return Number((cookie >> OWNER_SHIFT) & 0xffffn);
}
