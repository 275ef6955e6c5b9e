/** Data-plane protocol numbers under their registry names, as `as const` tables. */

/** Ethernet header length without VLAN tags: dst(6) src(6) ethertype(2). */
export const ETH_HEADER_LEN = 14;
/** Shortest Ethernet frame without FCS (IEEE 802.3 minimum of 64 bytes less the 4-byte FCS). */
export const ETH_MIN_FRAME_LEN = 60;
/** Values below this in the ethertype position are IEEE 802.3 lengths, not ethertypes. */
export const ETH_TYPE_MIN = 0x0600;

/** IEEE EtherType registry values the controller meets. */
export const ETH_TYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  /** IEEE 802.1Q customer VLAN tag (C-TAG). */
  VLAN: 0x8100,
  RARP: 0x8035,
  IPV6: 0x86dd,
  SLOW: 0x8809,
  MPLS: 0x8847,
  MPLS_MULTICAST: 0x8848,
  /** IEEE 802.1ad service VLAN tag (S-TAG), the outer tag of QinQ. */
  QINQ: 0x88a8,
  LLDP: 0x88cc,
  /** IEEE 802.1ah provider backbone bridging (I-TAG). */
  PBB: 0x88e7,
  /** Pre-standard QinQ TPID some switches still use. */
  QINQ_LEGACY: 0x9100,
} as const;

/** IANA protocol numbers (IPv4 protocol / IPv6 next header). */
export const IP_PROTO = {
  /** IPv6 hop-by-hop options extension header. */
  HOPOPTS: 0,
  ICMP: 1,
  IGMP: 2,
  TCP: 6,
  UDP: 17,
  /** IPv6 routing extension header. */
  ROUTING: 43,
  /** IPv6 fragment extension header. */
  FRAGMENT: 44,
  GRE: 47,
  ESP: 50,
  /** Authentication header (RFC 4302); skippable like an extension header. */
  AH: 51,
  ICMPV6: 58,
  /** IPv6 "no next header". */
  NONE: 59,
  /** IPv6 destination options extension header. */
  DSTOPTS: 60,
  SCTP: 132,
} as const;

/** IPv4 header flags (the 3-bit field before the fragment offset, RFC 791). */
export const IPV4_FLAG = {
  /** Don't fragment. */
  DF: 0x2,
  /** More fragments. */
  MF: 0x1,
} as const;

/** TCP header flags (RFC 9293, RFC 3168; NS from RFC 3540). */
export const TCP_FLAG = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  NS: 0x100,
} as const;

/** ARP opcodes (RFC 826) and hardware type. */
export const ARP_OP = {
  REQUEST: 1,
  REPLY: 2,
} as const;

/** ARP hardware type for Ethernet. */
export const ARP_HTYPE_ETHERNET = 1;

/** ICMP message types (RFC 792). */
export const ICMP_TYPE = {
  ECHO_REPLY: 0,
  DEST_UNREACHABLE: 3,
  REDIRECT: 5,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
  PARAMETER_PROBLEM: 12,
} as const;

/** ICMPv6 message types (RFC 4443, RFC 4861). */
export const ICMPV6_TYPE = {
  DEST_UNREACHABLE: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  PARAMETER_PROBLEM: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
  ROUTER_SOLICITATION: 133,
  ROUTER_ADVERTISEMENT: 134,
  NEIGHBOR_SOLICITATION: 135,
  NEIGHBOR_ADVERTISEMENT: 136,
  REDIRECT: 137,
} as const;

/** Neighbor discovery option types (RFC 4861 section 4.6). */
export const NDP_OPT = {
  SOURCE_LINK_ADDR: 1,
  TARGET_LINK_ADDR: 2,
  PREFIX_INFO: 3,
  REDIRECTED_HEADER: 4,
  MTU: 5,
} as const;

/** Flag bits of the first word of a neighbor advertisement (RFC 4861 section 4.4). */
export const NDP_NA_FLAG = {
  ROUTER: 0x80000000,
  SOLICITED: 0x40000000,
  OVERRIDE: 0x20000000,
} as const;

/** LLDPDU TLV types (IEEE 802.1AB-2016 table 8-1). */
export const LLDP_TLV = {
  END: 0,
  CHASSIS_ID: 1,
  PORT_ID: 2,
  TTL: 3,
  PORT_DESCRIPTION: 4,
  SYSTEM_NAME: 5,
  SYSTEM_DESCRIPTION: 6,
  SYSTEM_CAPABILITIES: 7,
  MANAGEMENT_ADDRESS: 8,
  ORG_SPECIFIC: 127,
} as const;

/** Chassis ID subtypes (IEEE 802.1AB table 8-2). */
export const LLDP_CHASSIS_SUBTYPE = {
  CHASSIS_COMPONENT: 1,
  INTERFACE_ALIAS: 2,
  PORT_COMPONENT: 3,
  MAC_ADDRESS: 4,
  NETWORK_ADDRESS: 5,
  INTERFACE_NAME: 6,
  LOCALLY_ASSIGNED: 7,
} as const;

/** Port ID subtypes (IEEE 802.1AB table 8-3). */
export const LLDP_PORT_SUBTYPE = {
  INTERFACE_ALIAS: 1,
  PORT_COMPONENT: 2,
  MAC_ADDRESS: 3,
  NETWORK_ADDRESS: 4,
  INTERFACE_NAME: 5,
  AGENT_CIRCUIT_ID: 6,
  LOCALLY_ASSIGNED: 7,
} as const;

/** Nearest-bridge LLDP group address: never forwarded by 802.1D bridges. */
export const LLDP_MULTICAST = '01:80:c2:00:00:0e';
/** Nearest-customer-bridge LLDP group address. */
export const LLDP_MULTICAST_CUSTOMER = '01:80:c2:00:00:00';
/** Nearest-non-TPMR-bridge LLDP group address. */
export const LLDP_MULTICAST_NON_TPMR = '01:80:c2:00:00:03';

/** Ethernet broadcast address. */
export const MAC_BROADCAST = 'ff:ff:ff:ff:ff:ff';
/** All-zero MAC, the unknown target hardware address of an ARP request. */
export const MAC_ZERO = '00:00:00:00:00:00';

/** Well-known UDP ports the controller looks at. */
export const UDP_PORT = {
  DHCP_SERVER: 67,
  DHCP_CLIENT: 68,
  DHCPV6_CLIENT: 546,
  DHCPV6_SERVER: 547,
} as const;
