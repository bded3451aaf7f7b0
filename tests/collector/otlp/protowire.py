"""Protobuf wire bytes by hand: what a message may look like on the wire
besides what ``SerializeToString`` writes.

:func:`reencode` writes a message with its fields in another order, stale
earlier values of singular fields and oneofs (the last one wins), unknown
fields of every wire type, explicit defaults and non-canonical varints: all
bytes that upb parses into the same message.
"""

from __future__ import annotations

import random
import struct
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

__all__ = ["field", "reencode", "same_message", "varint"]

_VARINT_TYPES = frozenset(
    (
        FieldDescriptor.TYPE_BOOL,
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_UINT32,
        FieldDescriptor.TYPE_UINT64,
        FieldDescriptor.TYPE_ENUM,
    )
)
_LEN_TYPES = frozenset(
    (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES, FieldDescriptor.TYPE_MESSAGE)
)


def varint(n: int, pad: int = 0, limit: int = 10) -> bytes:
    """``n`` (two's complement when negative), ``pad`` bytes longer than needed
    (a non-canonical form upb accepts) but at most ``limit`` bytes."""
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if not n:
            out.append(byte)
            break
        out.append(byte | 0x80)
    pad = min(pad, limit - len(out))
    if pad > 0:
        out[-1] |= 0x80
        out += b"\x80" * (pad - 1) + b"\x00"
    return bytes(out)


def field(number: int, wire_type: int, payload: bytes, pad: int = 0) -> bytes:
    """One field: its tag, then the payload (length-prefixed for wire type 2)."""
    tag = varint(number << 3 | wire_type, pad, limit=5)
    if wire_type == 2:
        return tag + varint(len(payload), pad) + payload
    return tag + payload


def _wire_type(fd: FieldDescriptor) -> int:
    if fd.type in _VARINT_TYPES:
        return 0
    if fd.type in (FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_DOUBLE):
        return 1
    if fd.type in _LEN_TYPES:
        return 2
    if fd.type == FieldDescriptor.TYPE_FIXED32:
        return 5
    raise AssertionError(f"no wire type for {fd.full_name}")


def _payload(fd: FieldDescriptor, value: Any, rng: random.Random, pad: int) -> bytes:
    t = fd.type
    if t in _VARINT_TYPES:
        return varint(int(value), pad)
    if t == FieldDescriptor.TYPE_FIXED64:
        return struct.pack("<Q", value)
    if t == FieldDescriptor.TYPE_DOUBLE:
        return struct.pack("<d", value)
    if t == FieldDescriptor.TYPE_FIXED32:
        return struct.pack("<I", value)
    if t == FieldDescriptor.TYPE_STRING:
        return str(value).encode()
    if t == FieldDescriptor.TYPE_BYTES:
        return bytes(value)
    return reencode(value, rng)


def _stale(fd: FieldDescriptor, rng: random.Random) -> Any:
    """Some other value of a scalar field, overwritten by a later one."""
    t = fd.type
    if t == FieldDescriptor.TYPE_STRING:
        return rng.choice(("", "old", "\u00e9t\u00e9", "\U0001f600"))
    if t == FieldDescriptor.TYPE_BYTES:
        return rng.randbytes(rng.randrange(0, 17))
    if t == FieldDescriptor.TYPE_DOUBLE:
        return rng.uniform(-1e9, 1e9)
    if t == FieldDescriptor.TYPE_BOOL:
        return rng.random() < 0.5
    if t == FieldDescriptor.TYPE_FIXED64:
        return rng.getrandbits(64)
    if t == FieldDescriptor.TYPE_FIXED32:
        return rng.getrandbits(32)
    if t == FieldDescriptor.TYPE_UINT32:
        return rng.getrandbits(32)
    if t in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_ENUM):
        return rng.randrange(-(2**31), 2**31)
    return rng.randrange(-(2**63), 2**63)


def _unknown(numbers: set[int], rng: random.Random) -> bytes:
    number = rng.choice([n for n in (17, 18, 31, 99, 1000, 2**29 - 1) if n not in numbers])
    wire_type = rng.choice((0, 1, 2, 5))
    payload = {
        0: varint(rng.getrandbits(64)),
        1: rng.randbytes(8),
        2: rng.randbytes(rng.randrange(0, 6)),  # unknown fields are not checked for UTF-8
        5: rng.randbytes(4),
    }[wire_type]
    return field(number, wire_type, payload)


def reencode(msg: Message, rng: random.Random) -> bytes:
    """``msg`` on the wire as some other writer might put it (see the module)."""
    descriptor = msg.DESCRIPTOR
    groups: dict[str, list[bytes]] = {}  # fields whose order matters: a field, or a oneof
    for fd in descriptor.fields:
        group = fd.containing_oneof.name if fd.containing_oneof else fd.name
        entries = groups.setdefault(group, [])
        pad = rng.choice((0, 0, 0, 1, 3))
        if fd.is_repeated:
            for item in getattr(msg, fd.name):
                entries.append(field(fd.number, _wire_type(fd), _payload(fd, item, rng, pad), pad))
            continue
        if fd.type == FieldDescriptor.TYPE_MESSAGE or fd.containing_oneof:
            present = msg.HasField(fd.name)
        else:
            present = getattr(msg, fd.name) != fd.default_value or rng.random() < 0.1
        if not present:
            continue
        if rng.random() < 0.2 and (fd.containing_oneof or fd.type != FieldDescriptor.TYPE_MESSAGE):
            # a stale value first: of this field, or of another member of its oneof
            stale = fd
            if fd.containing_oneof:
                others = [
                    o
                    for o in fd.containing_oneof.fields
                    if o.type != FieldDescriptor.TYPE_MESSAGE and o.number != 8  # strindex
                ]
                stale = rng.choice(others)
            value = _stale(stale, rng)
            entries.insert(
                0, field(stale.number, _wire_type(stale), _payload(stale, value, rng, 0))
            )
        value = getattr(msg, fd.name)
        entries.append(field(fd.number, _wire_type(fd), _payload(fd, value, rng, pad), pad))
    numbers = {fd.number for fd in descriptor.fields}
    for k in range(rng.choice((0, 0, 1, 2))):
        groups[f" unknown {k}"] = [_unknown(numbers, rng)]
    # interleave the groups, keeping the order within each group
    order = [name for name, entries in groups.items() for _ in entries]
    rng.shuffle(order)
    queues = {name: iter(entries) for name, entries in groups.items()}
    return b"".join(next(queues[name]) for name in order)


def same_message(body: bytes, msg: Message) -> bool:
    """``body`` parses into ``msg``, unknown fields aside (compared as bytes: NaN != NaN)."""
    parsed = type(msg).FromString(body)
    parsed.DiscardUnknownFields()
    return bool(
        parsed.SerializeToString(deterministic=True) == msg.SerializeToString(deterministic=True)
    )
