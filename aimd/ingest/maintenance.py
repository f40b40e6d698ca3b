"""Repository-wide maintenance: deleting a run or an experiment whole, and pruning what no run
references any more. Each is one mutation of the writer, so it lands whole or not at all.

prune(): keys of runs that no longer exist (params, sequences, blocks, object points) and blobs
that no stored object point names. A blob some connected client claims (aimd.ingest.claims) is
kept even then: that client may name it again without sending its bytes. The scan runs on the
writer thread, so other writes wait for it: pruning is a maintenance step, not a hot path.
"""

from __future__ import annotations

from typing import Any

from aimd.errors import Conflict, InvalidInput, NotFound
from aimd.ingest import documents, objects, points, runs
from aimd.ingest.claims import BlobClaims
from aimd.ingest.transaction import Transaction
from aimd.storage import keys, values
from aimd.storage.objects import decode_point
from aimproto.contract import SHA256_BYTES

_RUN_DATA = (keys.PARAM, keys.SEQUENCE, keys.BLOCK, keys.OBJECT)  # keys that start <prefix><hash>\0


def delete_run(tx: Transaction, run_hash: str, attachments: runs.Attachments) -> None:
    """Stage the deletion of a run with everything tracked into it (a run being tracked stays).
    Its blobs stay: they may be shared; prune() removes those no point names any more."""
    for name, context in runs.delete(tx, run_hash, attachments):
        points.forget(tx, run_hash, name, context)
        objects.forget(tx, run_hash, name, context)
    documents.forget_run(tx, run_hash)


def delete_experiment(tx: Transaction, experiment: str, attachments: runs.Attachments) -> list[str]:
    """Stage the deletion of every run of an experiment; returns their hashes. NotFound when no
    run has that experiment, Conflict (nothing deleted) when one of them is open for tracking."""
    if not isinstance(experiment, str) or not experiment:
        raise InvalidInput("an experiment is named by a non-empty str")
    hashes = [
        keys.run_hash_of(key)
        for key in tx.keys_with_prefix(keys.RUN)
        if values.decode_props(tx.get(key))["experiment"] == experiment  # type: ignore[arg-type]  # a key just listed holds a value
    ]
    if not hashes:
        raise NotFound(f"no experiment {experiment!r}: no run has it")
    active = [h for h in hashes if attachments.is_active(h)]
    if active:
        raise Conflict(
            f"experiment {experiment!r} has {len(active)} run(s) open for tracking (run {active[0]!r}): "
            "close them before deleting it; nothing was deleted"
        )
    for run_hash in hashes:
        delete_run(tx, run_hash, attachments)
    return hashes


def _run_of(key: bytes) -> str:
    return key[1:].split(keys.SEP, 1)[0].decode()


def prune(tx: Transaction, claims: BlobClaims) -> dict[str, Any]:
    """Stage the removal of data no run references; returns what it removed:
    {"orphan_keys", "blobs", "blob_bytes", "blobs_claimed"} (the last: unreferenced blobs kept
    because a connected client claims them)."""
    live = {keys.run_hash_of(key) for key in tx.keys_with_prefix(keys.RUN)}
    orphan_keys = 0
    for key in list(tx.keys_with_prefix(keys.SEQUENCE)):
        run_hash = _run_of(key)
        if run_hash not in live:  # through forget(): it also drops the writer's cached tail
            points.forget(tx, run_hash, *keys.sequence_id_of(run_hash, key))
            orphan_keys += 1
    for prefix in _RUN_DATA:
        for key in list(tx.keys_with_prefix(prefix)):
            if _run_of(key) not in live:
                tx.delete(key)
                orphan_keys += 1
    referenced: set[bytes] = set()
    for key in tx.keys_with_prefix(keys.OBJECT):
        _, _, records = decode_point(tx.get(key))  # type: ignore[arg-type]  # a key just listed holds a value
        referenced.update(record.sha256 for record in records)
    blobs = blob_bytes = claimed = 0
    for key in list(tx.keys_with_prefix(keys.BLOB)):
        sha = key[len(keys.BLOB) : len(keys.BLOB) + SHA256_BYTES]
        if sha in referenced:
            continue
        header = keys.is_blob_key(key)
        if claims.covers(sha):
            claimed += header
            continue
        if header:
            blobs += 1
        else:
            blob_bytes += len(tx.get(key) or b"")
        tx.delete(key)
    return {"orphan_keys": orphan_keys, "blobs": blobs, "blob_bytes": blob_bytes, "blobs_claimed": claimed}
