"""The params value codec (one params leaf) and the run props encoding."""

from __future__ import annotations

import math
import struct

import pytest

from aimd.storage import values

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def roundtrip(value):
    return values.decode(values.encode(value))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -1,
        INT64_MIN,
        INT64_MAX,
        INT64_MAX + 1,
        INT64_MIN - 1,
        10**100,
        -(10**100),
        0.1,
        -0.0,
        math.inf,
        -math.inf,
        "",
        "héllo wörld ✓ 𝄞",
        "a\x00b",
        b"",
        b"\x00\xff\x00",
        [],
        (),
        {},
        [1, "two", 3.0, None, b"4"],
        (1, (2, (3, ()))),
        {"b": 1, "a": 2, "": 3, "ключ": [4]},
        [{"a": {"b": [{"c": ()}]}}, {}],
    ],
    ids=repr,
)
def test_value_round_trips_with_its_exact_type(value):
    got = roundtrip(value)
    assert got == value
    assert _shape(got) == _shape(value)


def _shape(value):
    """The value with every leaf replaced by its type: tells 1 from True, list from tuple."""
    if isinstance(value, dict):
        return ("dict", [(k, _shape(v)) for k, v in value.items()])  # key order included
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_shape(v) for v in value])
    return type(value).__name__


def test_nan_round_trips_as_nan():
    got = roundtrip([math.nan, {"x": math.nan}])
    assert math.isnan(got[0]) and math.isnan(got[1]["x"])


def test_negative_zero_keeps_its_sign():
    assert math.copysign(1.0, roundtrip(-0.0)) == -1.0


def test_ints_inside_int64_use_the_fixed_encoding_and_others_the_decimal_one():
    assert values.encode(INT64_MAX) == b"i" + struct.pack("<q", INT64_MAX)
    assert values.encode(INT64_MIN) == b"i" + struct.pack("<q", INT64_MIN)
    assert values.encode(INT64_MAX + 1) == b"I" + str(INT64_MAX + 1).encode()
    assert values.encode(True) == b"T" and values.encode(1) == b"i" + struct.pack("<q", 1)


def test_deep_nesting_round_trips():
    value: object = "leaf"
    for i in range(50):
        value = {"k": [value, i]} if i % 2 else (value,)
    assert roundtrip(value) == value


@pytest.mark.parametrize("value", [{1, 2}, object(), 1j, bytearray(b"x"), {"a": [frozenset()]}])
def test_unsupported_value_is_a_type_error_naming_the_type(value):
    with pytest.raises(TypeError, match="cannot encode a (set|object|complex|bytearray|frozenset)"):
        values.encode(value)


def test_corrupt_value_is_refused():
    with pytest.raises(ValueError, match="unknown tag b'Z'"):
        values.decode(b"Z123")


def test_props_round_trip():
    props = {
        "hash": "abc",
        "name": "Run: ✓",
        "description": "",
        "experiment": "default",
        "tags": ["a", "b"],
        "archived": False,
        "creation_time": 1.7e9,
        "end_time": None,
        "active": True,
        "status": "running",
    }
    assert values.decode_props(values.encode_props(props)) == props


def test_props_stored_before_runs_had_a_status_get_one():
    def status(**stored) -> str:
        return values.decode_props(values.encode_props({"hash": "abc", **stored}))["status"]

    assert status(active=True, end_time=None) == "running"
    assert status(active=False, end_time=1.7e9) == "finished"
    assert status(active=False, end_time=None) == "crashed"
