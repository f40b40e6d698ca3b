"""Packer alone: encoded object points into Track batches, each payload once and before the point
that names it, no batch past its byte budget."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import numpy as np

from aim._transport.encoding import BLOB_CHUNK_BYTES, Packer, SentBlobs
from aimproto import contract
from aimproto.v1 import tracking_pb2

IMAGES = SimpleNamespace(
    run_hash="0" * 24, name="samples", context="{}", dtype=contract.DTYPE_CODES["aim.image"]
)


def point(step: int, payload: bytes) -> tuple:
    return step, float("nan"), 0.0, [('{"format": "png"}', payload, hashlib.sha256(payload).digest())]


def packer(max_bytes: int) -> tuple[Packer, list[tuple[tracking_pb2.TrackRequest, tuple[bytes, ...]]]]:
    queued: list[tuple[tracking_pb2.TrackRequest, tuple[bytes, ...]]] = []
    return Packer(SentBlobs(), lambda request, shas: queued.append((request, shas)), max_bytes), queued


def test_a_payload_goes_once_before_the_first_point_naming_it():
    pack, queued = packer(max_bytes=2**20)
    pack.add(IMAGES, point(0, b"same"))
    pack.add(IMAGES, point(1, b"same"))
    pack.add(IMAGES, point(2, b"other"))
    pack.cut()
    [(request, shas)] = queued
    batch = request.batch
    assert [blob.data for blob in batch.blobs] == [b"same", b"other"]
    assert shas == (hashlib.sha256(b"same").digest(), hashlib.sha256(b"other").digest())
    [series] = batch.objects
    assert np.frombuffer(series.steps, "<i8").tolist() == [0, 1, 2]
    assert list(series.record_counts) == [1, 1, 1]
    assert series.shas == hashlib.sha256(b"same").digest() * 2 + hashlib.sha256(b"other").digest()


def test_a_payload_over_one_chunk_is_split_across_batches_within_the_budget():
    pack, queued = packer(max_bytes=BLOB_CHUNK_BYTES + 4096)
    payload = bytes(range(256)) * (BLOB_CHUNK_BYTES // 256) * 2 + b"tail"  # two chunks and 4 bytes
    pack.add(IMAGES, point(0, payload))
    pack.cut()
    chunks = [blob for request, _ in queued for blob in request.batch.blobs]
    assert [c.index for c in chunks] == [0, 1, 2]
    assert b"".join(c.data for c in chunks) == payload
    assert all(len(c.data) <= BLOB_CHUNK_BYTES for c in chunks)
    assert all(request.ByteSize() <= BLOB_CHUNK_BYTES + 4096 + 2**16 for request, _ in queued)
    sha = hashlib.sha256(payload).digest()
    assert all(shas == (sha,) for _, shas in queued)  # every batch with a chunk names the blob
    assert len(queued[-1][0].batch.objects) == 1  # the point comes after its last chunk


def test_a_forgotten_payload_is_sent_again():
    sent = SentBlobs()
    queued: list = []
    pack = Packer(sent, lambda request, shas: queued.append(shas), max_bytes=2**20)
    pack.add(IMAGES, point(0, b"x"))
    pack.cut()
    sent.forget(queued[0])  # its batch was refused
    pack.add(IMAGES, point(1, b"x"))
    pack.cut()
    assert queued == [(hashlib.sha256(b"x").digest(),)] * 2
