"""Documents the UI keeps in the repository: a UTF-8 body under a kind and a key (notes on runs
and experiments, tags' colours and descriptions, bookmarks). Stored as JSON under
keys.document_key; reads go through the writer's transaction, so a read sees every write acked
before it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aimd.errors import InvalidInput, NotFound
from aimd.ingest.transaction import Transaction
from aimd.storage import keys
from aimproto import contract


def check(kind: str, key: str) -> None:
    """InvalidInput for an unknown kind or a key that cannot be stored."""
    if kind not in contract.DOCUMENT_KINDS:
        raise InvalidInput(
            f"unknown document kind {kind[:80]!r} (one of {', '.join(contract.DOCUMENT_KINDS)})"
        )
    if not key or len(key) > contract.MAX_DOCUMENT_KEY_CHARS or "\x00" in key:
        raise InvalidInput(
            f"a document's key is 1..{contract.MAX_DOCUMENT_KEY_CHARS} chars without NUL, not {key[:80]!r}"
        )


def _decode(kind: str, key: str, raw: bytes) -> dict[str, Any]:
    stored = json.loads(raw)
    return {"kind": kind, "key": key, "body": stored["body"], "updated": stored["updated"]}


def get(tx: Transaction, kind: str, key: str) -> dict[str, Any]:
    check(kind, key)
    raw = tx.get(keys.document_key(kind, key))
    if raw is None:
        raise NotFound(f"no {kind} document {key[:80]!r}")
    return _decode(kind, key, raw)


def put(tx: Transaction, kind: str, key: str, body: str) -> dict[str, Any]:
    """Store body under (kind, key), replacing what was there; InvalidInput when it is too large."""
    check(kind, key)
    size = len(body.encode("utf-8", "surrogatepass"))
    if size > contract.MAX_DOCUMENT_BYTES:
        raise InvalidInput(
            f"the {kind} document is {size} bytes, over the {contract.MAX_DOCUMENT_BYTES} bytes it may hold"
        )
    stored = {"body": body, "updated": time.time()}
    tx.put(
        keys.document_key(kind, key), json.dumps(stored, ensure_ascii=False).encode("utf-8", "surrogatepass")
    )
    return {"kind": kind, "key": key, **stored}


def delete(tx: Transaction, kind: str, key: str) -> bool:
    check(kind, key)
    full = keys.document_key(kind, key)
    if tx.get(full) is None:
        return False
    tx.delete(full)
    return True


def listing(tx: Transaction, kind: str) -> list[dict[str, Any]]:
    """Every document of kind, in key order."""
    if kind not in contract.DOCUMENT_KINDS:
        raise InvalidInput(f"unknown document kind {kind[:80]!r}")
    out = []
    for full in sorted(tx.keys_with_prefix(keys.document_prefix(kind))):
        raw = tx.get(full)
        if raw is not None:
            out.append(_decode(kind, keys.document_key_of(kind, full), raw))
    return out


def forget_run(tx: Transaction, run_hash: str) -> None:
    """A deleted run's notes go with it."""
    tx.delete(keys.document_key(contract.DOCUMENT_RUN_NOTES, run_hash))
