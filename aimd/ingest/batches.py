"""Tracking batches: exactly-once application of a client's numbered batches.

Each client numbers its batches 1, 2, 3, ... and replays the ones not yet acknowledged after a
reconnect. The highest applied seq of a client is written in the same WriteBatch as the points
(K key), so after any crash it says exactly which batches are on disk; a replayed batch at or
below it is acknowledged without being applied again.

A batch's blob chunks are staged before its points, so its object points may name blobs the
batch completes (aimd.ingest.objects).
"""

from __future__ import annotations

from collections.abc import Sequence

from aimd.ingest import objects, points, runs
from aimd.ingest.claims import BlobClaims
from aimd.ingest.transaction import Transaction
from aimd.storage import keys
from aimd.storage.reader import decode_client_seq, encode_client_seq


def durable_seq(tx: Transaction, client_id: str) -> int:
    """Highest seq of the client's batches that is applied (0 for a new client)."""
    key = keys.client_key(client_id)
    return tx.state(key, lambda: decode_client_seq(tx.get(key)))


def apply_batch(
    tx: Transaction,
    client_id: str,
    seq: int,
    series: Sequence[points.SeriesPoints],
    attachments: runs.Attachments,
    *,
    blobs: Sequence[objects.BlobPiece] = (),
    object_series: Sequence[objects.ObjectPoints] = (),
    claims: BlobClaims | None = None,
) -> int:
    """Stage one batch unless it was applied before; returns the client's durable seq after it.
    claims: note the blobs the batch carries or names as ones the client counts on (a replayed
    batch too: its points were stored, and its client still counts on their blobs)."""
    if claims is not None:
        claims.note(client_id, [piece.sha256 for piece in blobs])
        for item in object_series:
            claims.note(client_id, item.shas)
    done = durable_seq(tx, client_id)
    if seq <= done:
        return done
    for piece in blobs:
        objects.put_blob_chunk(tx, piece)
    for item in series:
        runs.ensure_attached(tx, item.run_hash, client_id, attachments)
        points.append(tx, item)
    for item in object_series:
        runs.ensure_attached(tx, item.run_hash, client_id, attachments)
        objects.append(tx, item)
    key = keys.client_key(client_id)
    tx.put(key, encode_client_seq(seq))
    tx.set_state(key, seq)
    return seq
