"""Object sequences and blobs as the writer stages them, on a real store: completion, dedup,
refusals, overwrites, dtype conflicts and deletion."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from aimd.errors import InvalidInput, NotFound
from aimd.ingest import batches, objects, points, runs
from aimd.ingest.transaction import Transaction
from aimd.storage import keys
from aimd.storage.blocks import DTYPE_FLOAT, DTYPE_IMAGE, DTYPE_IMAGE_LIST, DTYPE_TEXT, Columns
from aimd.storage.lru import BytesLRU
from aimd.storage.objects import BLOB_CHUNK_BYTES
from aimd.storage.reader import Reader
from aimd.storage.store import Store
from aimd.storage.values import encode_props

RUN = "r1"


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "db")
    store.write({keys.run_key(RUN): encode_props({"hash": RUN, "active": True})}, set())
    yield store
    store.close()


def _apply(store: Store, *mutations) -> None:
    """Each mutation in its own savepoint, then one write (as the writer does); raises the first error."""
    tx = Transaction(store, BytesLRU(2**30))
    for mutation in mutations:
        tx.begin()
        try:
            mutation(tx)
        except Exception:
            tx.rollback()
            raise
        tx.commit()
    tx.write()


def _pieces(data: bytes) -> list[objects.BlobPiece]:
    sha = hashlib.sha256(data).digest()
    n = max(1, -(-len(data) // BLOB_CHUNK_BYTES))
    return [
        objects.decode_blob(sha, len(data), i, data[i * BLOB_CHUNK_BYTES : (i + 1) * BLOB_CHUNK_BYTES])
        for i in range(n)
    ]


def _series(steps, shas, *, dtype=DTYPE_IMAGE, counts=None, name="img", metas=None) -> objects.ObjectPoints:
    counts = [1] * len(steps) if counts is None else counts
    total = sum(counts)
    metas = [f'{{"i":{i}}}' for i in range(total)] if metas is None else metas
    return objects.decode_objects(
        RUN,
        name,
        "{}",
        dtype,
        len(steps),
        np.asarray(steps, "<i8").tobytes(),
        np.full(len(steps), math.nan).tobytes(),
        np.arange(len(steps), dtype="<f8").tobytes(),
        counts,
        metas,
        b"".join(shas),
    )


def _blob_headers(store: Store) -> list[bytes]:
    return [sha for sha, _ in Reader(store).blobs()]


def test_a_blob_is_complete_once_its_last_chunk_is_in_and_verified(store):
    """1. a 2.5-chunk blob, its chunks in two transactions; 2. no header before the last chunk;
    3. after it, the header and the bytes read back."""
    data = np.random.default_rng(0).bytes(2 * BLOB_CHUNK_BYTES + 100)
    first, second, last = _pieces(data)
    _apply(store, lambda tx: objects.put_blob_chunk(tx, first))
    _apply(store, lambda tx: objects.put_blob_chunk(tx, second))
    assert _blob_headers(store) == []
    _apply(store, lambda tx: objects.put_blob_chunk(tx, last))
    size, chunks = Reader(store).blob_chunks(first.sha256)
    assert size == len(data) and b"".join(chunks) == data


def test_chunks_that_do_not_hash_to_the_sha_are_refused(store):
    data = b"a" * (BLOB_CHUNK_BYTES + 1)
    first, last = _pieces(data)
    forged = objects.BlobPiece(last.sha256, last.size, last.index, b"b")
    _apply(store, lambda tx: objects.put_blob_chunk(tx, first))
    with pytest.raises(InvalidInput, match="SHA-256"):
        _apply(store, lambda tx: objects.put_blob_chunk(tx, forged))
    single = objects.decode_blob(hashlib.sha256(b"x").digest(), 1, 0, b"y")
    with pytest.raises(InvalidInput, match="SHA-256"):
        _apply(store, lambda tx: objects.put_blob_chunk(tx, single))
    assert _blob_headers(store) == []


@pytest.mark.parametrize(
    ("sha", "size", "index", "data", "match"),
    [
        (b"short", 1, 0, b"x", "32 bytes"),
        (bytes(32), 1, 1, b"x", "chunk 1"),
        (bytes(32), BLOB_CHUNK_BYTES + 1, 0, b"x", "expected"),
        (bytes(32), 2**63, 0, b"x", "is over"),
    ],
)
def test_malformed_chunks_are_refused(sha, size, index, data, match):
    with pytest.raises(InvalidInput, match=match):
        objects.decode_blob(sha, size, index, data)


def test_an_identical_blob_is_stored_once(store):
    """The same bytes sent by 100 points (as another client would): one header, one chunk."""
    (piece,) = _pieces(b"png bytes")
    for step in range(100):
        _apply(
            store,
            lambda tx: objects.put_blob_chunk(tx, piece),
            lambda tx, s=step: objects.append(tx, _series([s], [piece.sha256])),
        )
    assert _blob_headers(store) == [piece.sha256]
    assert len(list(store.scan_keys(keys.BLOB))) == 2  # the header and its one chunk
    meta, stored = Reader(store).objects(RUN, "img", "{}")
    assert meta.count == 100 and len(stored) == 100


def test_a_point_naming_a_missing_blob_is_refused(store):
    (piece,) = _pieces(b"never sent")
    with pytest.raises(InvalidInput, match="not stored"):
        _apply(store, lambda tx: objects.append(tx, _series([0], [piece.sha256])))
    assert Reader(store).sequences(RUN) == []


def test_blob_and_point_in_one_batch_land_together(store):
    (piece,) = _pieces(b"abc")
    series = _series([0], [piece.sha256])

    def batch(tx):
        return batches.apply_batch(tx, "c1", 1, [], runs.Attachments(), blobs=[piece], object_series=[series])

    _apply(store, batch)
    assert Reader(store).objects(RUN, "img", "{}")[0].count == 1
    assert keys.decode_client_seq(store.get(keys.client_key("c1"))) == 1


def test_overwrites_and_disorder_keep_count_and_bounds_right(store):
    """1. steps 5, 6, 7; 2. step 6 again, then 2, then 6 once more in one chunk; 3. four points,
    first 2, last 7; the last write at step 6 wins."""
    (piece,) = _pieces(b"x")
    sha = piece.sha256
    _apply(store, lambda tx: objects.put_blob_chunk(tx, piece))
    _apply(store, lambda tx: objects.append(tx, _series([5, 6, 7], [sha] * 3)))
    _apply(
        store,
        lambda tx: objects.append(tx, _series([6, 2, 6], [sha] * 3, metas=['{"a":1}', "{}", '{"a":2}'])),
    )
    meta, stored = Reader(store).objects(RUN, "img", "{}")
    assert (meta.count, meta.first_step, meta.last_step) == (4, 2, 7)
    assert [p.step for p in stored] == [2, 5, 6, 7]
    assert stored[2].records[0].meta == b'{"a":2}'


def test_a_sequence_keeps_its_first_dtype(store):
    """An image sequence refuses numbers, lists and texts; a metric refuses images."""
    (piece,) = _pieces(b"x")
    sha = piece.sha256
    _apply(store, lambda tx: objects.put_blob_chunk(tx, piece))
    _apply(store, lambda tx: objects.append(tx, _series([0], [sha])))
    cols = Columns(np.array([1]), np.array([1.0]), np.array([math.nan]), np.array([0.0]))
    with pytest.raises(InvalidInput, match="aim.image: it cannot take numbers"):
        _apply(store, lambda tx: points.append(tx, points.SeriesPoints(RUN, "img", "{}", DTYPE_FLOAT, cols)))
    with pytest.raises(InvalidInput, match="cannot take list"):
        _apply(store, lambda tx: objects.append(tx, _series([1], [sha], dtype=DTYPE_IMAGE_LIST)))
    with pytest.raises(InvalidInput, match="cannot take aim.text"):
        _apply(store, lambda tx: objects.append(tx, _series([1], [sha], dtype=DTYPE_TEXT)))
    _apply(store, lambda tx: points.append(tx, points.SeriesPoints(RUN, "loss", "{}", DTYPE_FLOAT, cols)))
    with pytest.raises(InvalidInput, match="holds float"):
        _apply(store, lambda tx: objects.append(tx, _series([1], [sha], name="loss")))


def test_a_numeric_append_sees_an_object_sequence_made_in_the_same_cache(store):
    """The writer caches metric tails: an object sequence created after a cached 'no sequence'
    state must still refuse numbers."""
    (piece,) = _pieces(b"x")
    cache = BytesLRU(2**30)
    tx = Transaction(store, cache)
    tx.begin()
    points.forget(tx, RUN, "img", "{}")  # caches "no such sequence"
    objects.put_blob_chunk(tx, piece)
    objects.append(tx, _series([0], [piece.sha256]))
    tx.commit()
    tx.write()
    cols = Columns(np.array([1]), np.array([1.0]), np.array([math.nan]), np.array([0.0]))
    tx = Transaction(store, cache)
    tx.begin()
    with pytest.raises(InvalidInput):
        points.append(tx, points.SeriesPoints(RUN, "img", "{}", DTYPE_FLOAT, cols))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"counts": [2]}, "exactly one record"),
        ({"dtype": DTYPE_IMAGE_LIST, "counts": [0]}, "at least one record"),
        ({"metas": ["[1]"]}, "not a JSON object"),
        ({"metas": ["{}", "{}"]}, "need 1 metas"),
        ({"dtype": DTYPE_FLOAT}, "not an object dtype"),
    ],
)
def test_malformed_object_series_are_refused(kwargs, match):
    with pytest.raises(InvalidInput, match=match):
        _series([0], [bytes(32)] * kwargs.get("counts", [1])[0], **kwargs)


def test_points_of_a_missing_run_are_refused(store):
    series = objects.decode_objects("nope", "img", "{}", DTYPE_IMAGE, 0, b"", b"", b"", [], [], b"")
    with pytest.raises(NotFound):
        _apply(store, lambda tx: objects.append(tx, series))


def test_forget_deletes_points_and_meta_and_keeps_blobs(store):
    (piece,) = _pieces(b"shared")
    _apply(store, lambda tx: objects.put_blob_chunk(tx, piece))
    _apply(store, lambda tx: objects.append(tx, _series([0, 1], [piece.sha256] * 2)))
    _apply(store, lambda tx: objects.forget(tx, RUN, "img", "{}"))
    assert Reader(store).objects(RUN, "img", "{}") is None
    assert list(store.scan_keys(keys.objects_prefix(RUN, "img", "{}"))) == []
    assert _blob_headers(store) == [piece.sha256]
