#!/usr/bin/python3
"""MAC flood for the storm lab (test/lab/storm.test.ts): broadcast IPv4/UDP frames, each with a
new source MAC (locally administered unicast), sent from one interface at a paced rate. Bounded
in time and in count; prints one JSON line with what it sent. Run it inside a host's namespace."""
import argparse
import json
import socket
import struct
import time


def ip_checksum(header: bytes) -> int:
    s = sum(struct.unpack('!10H', header))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--iface', required=True)
    ap.add_argument('--rate', type=int, default=15000, help='frames per second')
    ap.add_argument('--seconds', type=float, default=25.0)
    ap.add_argument('--max-frames', type=int, default=2_000_000)
    a = ap.parse_args()
    if a.seconds > 120 or a.max_frames > 10_000_000:
        raise SystemExit('bounded: at most 120 s and 10M frames')

    ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + 8 + 18, 0, 0, 64, 17, 0, socket.inet_aton('10.0.0.1'), socket.inet_aton('10.255.255.255')))
    struct.pack_into('!H', ip, 10, ip_checksum(bytes(ip)))
    udp = struct.pack('!HHHH', 40000, 9, 8 + 18, 0)
    frame = bytearray(b'\xff' * 6 + b'\x02\x00\x00\x00\x00\x00' + b'\x08\x00' + bytes(ip) + udp + bytes(18))

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    sent = 0
    errors = 0
    start = time.monotonic()
    end = start + a.seconds
    batch = max(1, a.rate // 1000)
    n = 0
    while sent < a.max_frames:
        now = time.monotonic()
        if now >= end:
            break
        # Paced per millisecond: a batch, then wait for its slot.
        due = start + sent / a.rate
        if now < due:
            time.sleep(min(due - now, 0.002))
            continue
        for _ in range(batch):
            n += 1
            # Source MAC 02:xx:xx:xx:xx:xx from a counter: never repeats within a run.
            frame[7] = (n >> 32) & 0xFF
            frame[8] = (n >> 24) & 0xFF
            frame[9] = (n >> 16) & 0xFF
            frame[10] = (n >> 8) & 0xFF
            frame[11] = n & 0xFF
            try:
                s.send(frame)
            except OSError:
                errors += 1
            sent += 1
    took = time.monotonic() - start
    print(json.dumps({'sent': sent, 'errors': errors, 'seconds': round(took, 3), 'rate': round(sent / took) if took > 0 else 0}))


if __name__ == '__main__':
    main()
