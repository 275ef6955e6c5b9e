/**
 * OpenAPI response schemas of the main native routes (switches, ports, flows, topology). They
 * document the shapes and let fastify serialize fast; every object keeps `additionalProperties`
 * so a field added later is never dropped from a reply by an out-of-date schema.
 */

const DPID = { type: 'string', pattern: '^[0-9a-f]{16}$', description: 'datapath id, 16 hex digits' } as const;
const U64_DECIMAL = { type: 'string', pattern: '^[0-9]{1,20}$', description: '64-bit value as a decimal string' } as const;
const TIME = { type: 'string', format: 'date-time' } as const;

/** A port of a switch (ofp_port in camelCase, with `up` = not admin-down and link up). */
export const PORT_RESPONSE = {
  type: 'object',
  additionalProperties: true,
  required: ['portNo', 'name', 'hwAddr', 'config', 'state', 'up'],
  properties: {
    portNo: { type: 'integer' },
    name: { type: 'string' },
    hwAddr: { type: 'string', description: 'aa:bb:cc:dd:ee:ff' },
    config: { type: 'integer', description: 'OFPPC_* bits' },
    state: { type: 'integer', description: 'OFPPS_* bits' },
    up: { type: 'boolean' },
    currSpeed: { type: 'integer', description: 'kbps' },
    maxSpeed: { type: 'integer', description: 'kbps' },
  },
} as const;

/** A connected switch. */
export const SWITCH_RESPONSE = {
  type: 'object',
  additionalProperties: true,
  required: ['dpid', 'version', 'remoteAddress', 'connectedAt', 'ports', 'description', 'features'],
  properties: {
    dpid: DPID,
    version: { type: 'string', enum: ['1.0', '1.3'], description: 'OpenFlow version negotiated' },
    remoteAddress: { type: 'string', description: 'host:port of the switch' },
    connectedAt: TIME,
    ports: { type: 'integer', description: 'number of ports' },
    description: {
      type: 'object',
      additionalProperties: true,
      properties: { mfrDesc: { type: 'string' }, hwDesc: { type: 'string' }, swDesc: { type: 'string' }, serialNum: { type: 'string' }, dpDesc: { type: 'string' } },
    },
    features: { type: 'object', additionalProperties: true, description: 'the FEATURES_REPLY (nBuffers, nTables, capabilities...)' },
  },
} as const;

/** One switch with its ports. */
export const SWITCH_DETAIL_RESPONSE = {
  ...SWITCH_RESPONSE,
  properties: { ...SWITCH_RESPONSE.properties, portList: { type: 'array', items: PORT_RESPONSE } },
} as const;

const OXM = {
  type: 'object',
  additionalProperties: true,
  required: ['field'],
  properties: {
    field: { type: 'string', description: 'OXM field name (in_port, eth_dst, ipv4_dst...)' },
    value: { description: 'number, or text for addresses' },
    mask: { description: 'present when masked' },
  },
} as const;

/** A flow as the switch reports it (OFPMP_FLOW), in 1.3 terms for both versions. */
export const FLOW_RESPONSE = {
  type: 'object',
  additionalProperties: true,
  required: ['tableId', 'priority', 'cookie', 'match', 'instructions'],
  properties: {
    tableId: { type: 'integer' },
    priority: { type: 'integer' },
    cookie: U64_DECIMAL,
    owner: { type: 'string', nullable: true, description: "the app (or 'static', 'system') whose owner id the cookie carries; null for a cookie nobody here owns" },
    idleTimeout: { type: 'integer' },
    hardTimeout: { type: 'integer' },
    flags: { type: 'integer', description: 'OFPFF_* bits' },
    durationSec: { type: 'integer' },
    packetCount: U64_DECIMAL,
    byteCount: U64_DECIMAL,
    match: { type: 'array', items: OXM },
    instructions: { type: 'array', items: { type: 'object', additionalProperties: true, required: ['type'], properties: { type: { type: 'string' } } } },
  },
} as const;

const ENDPOINT = { type: 'object', additionalProperties: true, required: ['dpid', 'port'], properties: { dpid: DPID, port: { type: 'integer' } } } as const;

/** A directed link: probes out of `src` arrive at `dst`. */
export const LINK_RESPONSE = {
  type: 'object',
  additionalProperties: true,
  required: ['src', 'dst'],
  properties: { src: ENDPOINT, dst: ENDPOINT, discoveredAt: TIME, lastSeen: TIME },
} as const;

/** A learned host. */
export const HOST_RESPONSE = {
  type: 'object',
  additionalProperties: true,
  required: ['id', 'mac', 'ipv4', 'ipv6', 'location'],
  properties: {
    id: { type: 'string' },
    mac: { type: 'string' },
    vlan: { type: 'integer' },
    ipv4: { type: 'array', items: { type: 'string' } },
    ipv6: { type: 'array', items: { type: 'string' } },
    location: ENDPOINT,
    firstSeen: TIME,
    lastSeen: TIME,
  },
} as const;

/** The whole topology: switches, links one entry per direction, hosts. */
export const TOPOLOGY_RESPONSE = {
  type: 'object',
  additionalProperties: true,
  required: ['switches', 'links', 'hosts'],
  properties: {
    version: { type: 'integer', description: 'changes with every topology change' },
    switches: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        required: ['dpid', 'ports', 'connected'],
        properties: {
          dpid: DPID,
          name: { type: 'string', description: "the switch's name: its local port's (the bridge name on Open vSwitch); absent when it has no local port" },
          ports: { type: 'array', items: { type: 'integer' } },
          connected: { type: 'boolean' },
        },
      },
    },
    links: { type: 'array', items: LINK_RESPONSE },
    hosts: { type: 'array', items: HOST_RESPONSE },
  },
} as const;

/** The error body every route answers with on failure (see errors.ts). */
export const ERROR_RESPONSE = {
  type: 'object',
  additionalProperties: true,
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'stable error code (src/api/errors.ts)' },
    error: { type: 'string' },
    message: { type: 'string' },
    field: { type: 'string', description: 'the input at fault: body.x, params.dpid, query.cookie' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

/** `response` of a route answering `ok` on 200, with the error body for the given statuses. */
export function responses(ok: object, ...errors: number[]): Record<number, object> {
  const out: Record<number, object> = { 200: ok };
  for (const s of errors) out[s] = ERROR_RESPONSE;
  return out;
}
