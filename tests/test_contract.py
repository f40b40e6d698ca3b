"""The wire contract's plain constants (aimproto.contract) agree with the .proto files and with
what each side uses."""

from __future__ import annotations

from aimd.storage import blocks
from aimproto import contract
from aimproto.v1 import common_pb2


def test_dtype_codes_are_the_proto_enum():
    enum = {name: number for name, number in common_pb2.DType.items() if number}
    assert {name: getattr(contract, name) for name in enum} == enum
    assert set(contract.DTYPE_NAMES) == set(enum.values())


def test_storage_dtype_codes_are_the_proto_enum():
    enum = {name: number for name, number in common_pb2.DType.items() if number}
    assert {name: getattr(blocks, name) for name in enum} == enum
    assert set(blocks.NUMPY_DTYPE) | set(blocks.OBJECT_KINDS) == set(enum.values())
    assert blocks.DTYPE_NAMES == contract.DTYPE_NAMES


def test_names_and_codes_are_one_table():
    assert {code: name for name, code in contract.DTYPE_CODES.items()} == contract.DTYPE_NAMES
    assert set(contract.OBJECT_KINDS) == set(contract.DTYPE_NAMES) - {
        contract.DTYPE_INT,
        contract.DTYPE_FLOAT,
    }
