"""Binary encoding of params values (one params leaf), independent of the wire format.

A value is one tag byte and a payload:
    N None | T True | F False | i int64 LE | I big int, ascii decimal | f float64 LE
    s UTF-8 str | b bytes | L list / U tuple: items | D dict: entries (a dict inside a list, or {})
Items are u32 LE length + encoded value; entries are u32 length + UTF-8 key, then an item.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from typing import Any

_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")
_U32 = struct.Struct("<I")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def encode(value: Any) -> bytes:
    """Encode a plain value (None, bool, int, float, str, bytes, list, tuple, dict)."""
    out = bytearray()
    _encode_into(value, out)
    return bytes(out)


def _encode_into(value: Any, out: bytearray) -> None:
    if value is None:
        out += b"N"
    elif value is True:
        out += b"T"
    elif value is False:
        out += b"F"
    elif isinstance(value, int):
        if _INT64_MIN <= value <= _INT64_MAX:
            out += b"i" + _I64.pack(value)
        else:
            out += b"I" + str(value).encode()
    elif isinstance(value, float):
        out += b"f" + _F64.pack(value)
    elif isinstance(value, str):
        out += b"s" + value.encode()
    elif isinstance(value, bytes):
        out += b"b" + value
    elif isinstance(value, (list, tuple)):
        out += b"L" if isinstance(value, list) else b"U"
        for item in value:
            _item_into(item, out)
    elif isinstance(value, dict):
        out += b"D"
        for key, item in value.items():
            raw = key.encode()
            out += _U32.pack(len(raw)) + raw
            _item_into(item, out)
    else:
        raise TypeError(f"cannot encode a {type(value).__name__} as a param value")


def _item_into(value: Any, out: bytearray) -> None:
    encoded = encode(value)
    out += _U32.pack(len(encoded)) + encoded


def decode(data: bytes) -> Any:
    """Decode what encode() produced."""
    return _decode(memoryview(data))


def _decode(view: memoryview) -> Any:
    tag, payload = view[:1].tobytes(), view[1:]
    if tag == b"N":
        return None
    if tag == b"T":
        return True
    if tag == b"F":
        return False
    if tag == b"i":
        return _I64.unpack(payload)[0]
    if tag == b"I":
        return int(payload.tobytes())
    if tag == b"f":
        return _F64.unpack(payload)[0]
    if tag == b"s":
        return payload.tobytes().decode()
    if tag == b"b":
        return payload.tobytes()
    if tag in (b"L", b"U"):
        items = list(_items(payload))
        return items if tag == b"L" else tuple(items)
    if tag == b"D":
        result = {}
        pos = 0
        while pos < len(payload):
            (size,) = _U32.unpack_from(payload, pos)
            key = payload[pos + 4 : pos + 4 + size].tobytes().decode()
            pos += 4 + size
            (size,) = _U32.unpack_from(payload, pos)
            result[key] = _decode(payload[pos + 4 : pos + 4 + size])
            pos += 4 + size
        return result
    raise ValueError(f"corrupt param value: unknown tag {tag!r}")


def _items(payload: memoryview) -> Iterator[tuple[Any, Any]]:
    pos = 0
    while pos < len(payload):
        (size,) = _U32.unpack_from(payload, pos)
        yield _decode(payload[pos + 4 : pos + 4 + size])
        pos += 4 + size


# The fields of a run's props, as stored under its R key.
RUN_PROPS = (
    "hash",
    "name",
    "description",
    "experiment",
    "tags",
    "archived",
    "creation_time",
    "end_time",
    "active",
    "status",
)


def encode_props(props: dict[str, Any]) -> bytes:
    """Run props (a flat dict of JSON values) as stored under the run's R key."""
    return json.dumps(props, separators=(",", ":")).encode()


def decode_props(data: bytes) -> dict[str, Any]:
    props = json.loads(data)
    if "status" not in props:  # stored before runs had a status
        props["status"] = run_status(props["active"], props.get("end_time"))
    return props


def run_status(active: bool, end_time: float | None) -> str:
    """running (some client has it open), finished (closed) or crashed (its last client went away
    without closing it)."""
    if active:
        return "running"
    return "finished" if end_time is not None else "crashed"
