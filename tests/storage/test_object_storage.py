"""Object points and blobs in the store: encodings, keys, and the reads that list without blobs."""

from __future__ import annotations

import hashlib
import math

import pytest

from aimd.storage import blocks, keys
from aimd.storage.objects import (
    BLOB_CHUNK_BYTES,
    ObjectRecord,
    blob_chunks,
    chunk_bytes,
    decode_blob_header,
    decode_point,
    encode_blob_header,
    encode_point,
)
from aimd.storage.reader import Reader
from aimd.storage.store import Store
from aimproto.v1 import common_pb2

SHA = hashlib.sha256(b"x").digest()


def test_the_wire_contract_and_the_store_agree_on_chunk_size_and_dtypes():
    assert BLOB_CHUNK_BYTES == common_pb2.BLOB_CHUNK_BYTES
    for name in (
        "INT",
        "FLOAT",
        "IMAGE",
        "IMAGE_LIST",
        "DISTRIBUTION",
        "TEXT",
        "TEXT_LIST",
        "AUDIO",
        "AUDIO_LIST",
    ):
        assert getattr(blocks, f"DTYPE_{name}") == getattr(common_pb2, f"DTYPE_{name}")
    assert set(blocks.OBJECT_KINDS) | set(blocks.NUMPY_DTYPE) == set(blocks.DTYPE_NAMES)


@pytest.mark.parametrize(
    ("size", "chunks", "last"),
    [(0, 1, 0), (1, 1, 1), (BLOB_CHUNK_BYTES, 1, BLOB_CHUNK_BYTES), (BLOB_CHUNK_BYTES + 1, 2, 1)],
)
def test_chunking(size, chunks, last):
    assert blob_chunks(size) == chunks
    assert chunk_bytes(size, chunks - 1) == last
    assert decode_blob_header(encode_blob_header(size)) == (size, chunks)


def test_a_point_round_trips_with_its_records():
    records = [ObjectRecord(SHA, b'{"caption":"a"}'), ObjectRecord(bytes(32), b"{}")]
    epoch, stamp, back = decode_point(encode_point(1.5, 1.7e9, records))
    assert (epoch, stamp, back) == (1.5, 1.7e9, records)
    epoch, _, back = decode_point(encode_point(math.nan, 0.0, []))
    assert math.isnan(epoch) and back == []


def test_object_keys_sort_by_step_and_stay_inside_their_sequence():
    prefix = keys.objects_prefix("r1", "img", "{}")
    steps = [0, 1, 255, 256, 2**40, 2**63 - 1]
    made = [keys.object_key_at(prefix, s) for s in steps]
    assert made == sorted(made) and all(k.startswith(prefix) for k in made)
    assert [keys.step_of_object_key(k) for k in made] == steps
    assert not keys.object_key_at(keys.objects_prefix("r1", "img2", "{}"), 0).startswith(prefix)


def test_blob_keys_a_header_then_its_chunks_even_when_the_sha_holds_nul():
    sha = b"\x00" * 31 + b"\x01"
    header, chunk = keys.blob_key(sha), keys.blob_chunk_key(sha, 3)
    assert keys.is_blob_key(header) and not keys.is_blob_key(chunk)
    assert header < chunk and chunk.startswith(header + keys.SEP)
    assert not keys.is_blob_key(keys.blob_key(sha)[:-1])


def test_the_reader_lists_object_sequences_and_reads_records_and_blobs(tmp_path):
    """1. write a sequence's meta, two points and a two-chunk blob; 2. sequences() lists it
    like a metric; 3. objects() gives step-ordered records; 4. blob_chunks() gives the bytes."""
    store = Store(tmp_path / "db")
    try:
        data = b"a" * BLOB_CHUNK_BYTES + b"b"
        sha = hashlib.sha256(data).digest()
        meta = blocks.SequenceMeta(dtype=blocks.DTYPE_IMAGE, count=2, first_step=3, last_step=7)
        records = [ObjectRecord(sha, b'{"w":1}')]
        points = keys.objects_prefix("r1", "img", "{}")
        store.write(
            {
                keys.sequence_key("r1", "img", "{}"): meta.encode(),
                keys.object_key_at(points, 7): encode_point(1.0, 2.0, records),
                keys.object_key_at(points, 3): encode_point(0.0, 1.0, records),
                keys.blob_key(sha): encode_blob_header(len(data)),
                keys.blob_chunk_key(sha, 0): data[:BLOB_CHUNK_BYTES],
                keys.blob_chunk_key(sha, 1): data[BLOB_CHUNK_BYTES:],
            },
            set(),
        )
        reader = Reader(store)
        ((name, context, listed),) = reader.sequences("r1")
        assert (name, context, listed.dtype, listed.count, listed.last_step) == ("img", "{}", 3, 2, 7)
        got_meta, points = reader.objects("r1", "img", "{}")
        assert got_meta.encode() == meta.encode() and [p.step for p in points] == [3, 7]
        assert points[1].records == records and points[1].epoch == 1.0
        size, chunks = reader.blob_chunks(sha)
        assert size == len(data) and b"".join(chunks) == data
        assert list(reader.blobs()) == [(sha, len(data))]
        assert reader.blob_chunks(SHA) is None and reader.objects("r1", "nope", "{}") is None
    finally:
        store.close()
