"""snmp_trap.py - SNMPv2c linkDown traps encoded by hand (BER), for the
scenarios and benches that send thousands of them: one snmptrap process
per trap would take minutes.

    sys.path.insert(0, "$TOP_SRCDIR/tests/integration")
    from snmp_trap import linkdown
    sock.sendto(linkdown(request_id, ifindex), addr)

A trap is an SNMPv2-Trap-PDU, community "public", with sysUpTime.0 = 1000,
snmpTrapOID.0 = linkDown (1.3.6.1.6.3.1.1.5.3), ifIndex.N = N and
ifDescr.N = "ge-0/0/N".
"""


def tlv(t, b):
    n = len(b)
    if n < 128:
        return bytes([t, n]) + b
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([t, 0x80 | len(length)]) + length + b


def integer(t, v):
    return tlv(t, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=True))


def oid(s):
    p = [int(x) for x in s.split(".")]
    out = bytes([40 * p[0] + p[1]])
    for x in p[2:]:
        enc = [x & 0x7f]
        x >>= 7
        while x:
            enc.insert(0, 0x80 | (x & 0x7f))
            x >>= 7
        out += bytes(enc)
    return tlv(6, out)


def varbind(o, v):
    return tlv(0x30, oid(o) + v)


def linkdown(req, ifindex):
    """The datagram of one linkDown trap for interface ifindex."""
    vbs = varbind("1.3.6.1.2.1.1.3.0", integer(0x43, 1000)) + \
        varbind("1.3.6.1.6.3.1.1.4.1.0", oid("1.3.6.1.6.3.1.1.5.3")) + \
        varbind("1.3.6.1.2.1.2.2.1.1.%d" % ifindex, integer(2, ifindex)) + \
        varbind("1.3.6.1.2.1.2.2.1.2.%d" % ifindex, tlv(4, b"ge-0/0/%d" % ifindex))
    pdu = tlv(0xa7, integer(2, req) + integer(2, 0) + integer(2, 0) + tlv(0x30, vbs))
    return tlv(0x30, integer(2, 1) + tlv(4, b"public") + pdu)
