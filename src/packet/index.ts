/** The data-plane packet library: parse and build Ethernet, VLAN, ARP, IPv4, IPv6, ICMP, ICMPv6, TCP, UDP and LLDP. */

export * from './constants.js';
export * from './checksum.js';
export * from './mac.js';
export * from './ethernet.js';
export * from './arp.js';
export * from './ipv4.js';
export * from './ipv6.js';
export * from './icmp.js';
export * from './icmpv6.js';
export * from './tcp.js';
export * from './udp.js';
export * from './lldp.js';
export * from './packet.js';
