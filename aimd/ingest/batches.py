"""Tracking batches: exactly-once application of a client's numbered batches.

Each client numbers its batches 1, 2, 3, ... and replays the ones not yet acknowledged after a
reconnect. The highest applied seq of a client is written in the same WriteBatch as the points
(K key), so after any crash it says exactly which batches are on disk; a replayed batch at or
below it is acknowledged without being applied again.

A batch's blob chunks are staged before its points, so its object points may name blobs the
batch completes (aimd.ingest.objects).

Each blob and each sequence of a batch is staged under its own savepoint: one the daemon refuses
(a bad chunk, a sequence of another type, a blob never completed) is left out and reported as a
Refusal, and the rest of the batch is stored; the batch still counts as applied.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aimd.errors import DaemonError
from aimd.ingest import objects, points, runs
from aimd.ingest.claims import BlobClaims
from aimd.ingest.transaction import Transaction
from aimd.storage import keys


@dataclass(frozen=True)
class Refusal:
    """A part of a batch that was not stored: a sequence (run_hash, name, context) or a blob."""

    error: DaemonError
    run_hash: str = ""
    name: str = ""
    context: str = ""
    blob_sha256: bytes = b""


def durable_seq(tx: Transaction, client_id: str) -> int:
    """Highest seq of the client's batches that is applied (0 for a new client)."""
    key = keys.client_key(client_id)
    return tx.state(key, lambda: keys.decode_client_seq(tx.get(key)))


def apply_batch(
    tx: Transaction,
    client_id: str,
    seq: int,
    series: Sequence[points.SeriesPoints],
    attachments: runs.Attachments,
    *,
    blobs: Sequence[objects.BlobPiece] = (),
    object_series: Sequence[objects.ObjectPoints] = (),
    refused: Sequence[Refusal] = (),
    claims: BlobClaims | None = None,
) -> tuple[int, list[Refusal]]:
    """Stage one batch unless it was applied before: (the client's durable seq after it, the parts
    refused, those refused while decoding (refused) first). claims: note the blobs the batch
    carries or names as ones the client counts on (a replayed batch too: its points were
    stored, and its client still counts on their blobs)."""
    if claims is not None:
        claims.note(client_id, [piece.sha256 for piece in blobs])
        for item in object_series:
            claims.note(client_id, item.shas)
    done = durable_seq(tx, client_id)
    if seq <= done:
        return done, []
    out = list(refused)
    for piece in blobs:
        _part(tx, out, functools.partial(objects.put_blob_chunk, tx, piece), blob_sha256=piece.sha256)
    parts: list[tuple[Any, Callable[..., Any]]] = [
        *((i, points.append) for i in series),
        *((i, objects.append) for i in object_series),
    ]
    for item, append in parts:
        _part(
            tx,
            out,
            functools.partial(_attach_and_append, tx, client_id, attachments, item, append),
            run_hash=item.run_hash,
            name=item.name,
            context=item.context,
        )
    key = keys.client_key(client_id)
    tx.put(key, keys.encode_client_seq(seq))
    tx.set_state(key, seq)
    return seq, out


def _attach_and_append(
    tx: Transaction, client_id: str, attachments: runs.Attachments, item: Any, append: Any
) -> None:
    runs.ensure_attached(tx, item.run_hash, client_id, attachments)
    append(tx, item)


def _part(tx: Transaction, out: list[Refusal], stage: Callable[[], None], **ids: Any) -> None:
    """Stage one part of a batch; if the daemon refuses it, leave it out and note why."""
    savepoint = tx.savepoint()
    try:
        stage()
    except DaemonError as exc:
        tx.restore(savepoint)
        out.append(Refusal(exc, **ids))
