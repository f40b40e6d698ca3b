"""Runs: create, attach, detach, props, tags and params, as steps of a write transaction.

Props are one JSON object per run (R key): hash, name, description, experiment, tags, archived,
creation_time, end_time, active, status. A run is active while some client is attached to it;
attaching happens on OpenRun and, after a daemon restart, implicitly with a client's next batch.
status is "running" while active, "finished" after its last client closed it, and "crashed" when
its last client went away without closing it (end_time: when the daemon noticed). A run left
without clients has the writer's cached state of its sequences dropped (Transaction.forget_run).
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from aimd.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from aimd.ingest.transaction import Transaction
from aimd.storage import keys, values
from aimd.storage.blocks import SequenceMeta
from aimd.storage.lru import CacheStats
from aimproto.contract import (
    MAX_DESCRIPTION_CHARS,
    MAX_PARAM_DEPTH,  # the wire format nests 3 a level
    MAX_PARAM_KEY_CHARS,
    MAX_PROP_CHARS,
    RUN_HASH_PATTERN,
    RUN_HASH_RULE,
)

RUN_HASH = re.compile(RUN_HASH_PATTERN)
PROP_FIELDS = ("name", "description", "experiment", "archived")
ATTACHMENT_BYTES = 700  # an open run's entry: its hash, a Counter of one client id
RUNNING, FINISHED, CRASHED = "running", "finished", "crashed"


def check_hash(run_hash: str) -> None:
    if not RUN_HASH.fullmatch(run_hash):
        raise InvalidInput(f"run hash {run_hash[:80]!r} must be {RUN_HASH_RULE}")


def load_props(tx: Transaction, run_hash: str) -> dict[str, Any]:
    check_hash(run_hash)
    raw = tx.get(keys.run_key(run_hash))
    if raw is None:
        raise NotFound(f"run {run_hash!r} does not exist")
    return values.decode_props(raw)


def _save(tx: Transaction, props: dict[str, Any]) -> dict[str, Any]:
    tx.put(keys.run_key(props["hash"]), values.encode_props(props))
    return props


def _check_text(field: str, value: str, limit: int = MAX_PROP_CHARS) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(f"{field} must be a str of at most {limit} chars")
    return value


class Attachments:
    """Which clients hold which runs open for writing, counted per open handle (memory only:
    rebuilt as clients come back). One process may hold a run open through two Run objects."""

    def __init__(self) -> None:
        self._by_run: dict[str, Counter[str]] = {}

    def attach(self, run_hash: str, client_id: str) -> None:
        self._by_run.setdefault(run_hash, Counter())[client_id] += 1

    def is_attached(self, run_hash: str, client_id: str) -> bool:
        return client_id in self._by_run.get(run_hash, ())

    def detach(self, run_hash: str, client_id: str, *, every_handle: bool = False) -> bool:
        """Release one handle (or all of this client's); True when the run has no client left."""
        clients = self._by_run.get(run_hash, Counter())
        if every_handle or clients[client_id] <= 1:
            clients.pop(client_id, None)
        else:
            clients[client_id] -= 1
        if not clients:
            self._by_run.pop(run_hash, None)
            return True
        return False

    def detach_all(self, run_hash: str) -> None:
        self._by_run.pop(run_hash, None)

    def is_active(self, run_hash: str) -> bool:
        return bool(self._by_run.get(run_hash))

    def active_count(self) -> int:
        """How many runs some client holds open."""
        return len(self._by_run)

    def stats(self) -> CacheStats:
        """Their memory, estimated (not a cache: one entry per open run, which no bound may drop)."""
        count = len(self._by_run)
        return CacheStats("attachments", count * ATTACHMENT_BYTES, 0, count, 0, 0)

    def runs_of(self, client_id: str) -> list[str]:
        return [h for h, clients in self._by_run.items() if client_id in clients]


def create(tx: Transaction, run_hash: str, experiment: str, client_id: str, attachments: Attachments) -> dict:
    check_hash(run_hash)
    if tx.get(keys.run_key(run_hash)) is not None:
        raise AlreadyExists(f"run {run_hash!r} already exists")
    props = {
        "hash": run_hash,
        "name": f"Run: {run_hash}",
        "description": "",
        "experiment": _check_text("experiment", experiment or "default"),
        "tags": [],
        "archived": False,
        "creation_time": time.time(),
        "end_time": None,
        "active": True,
        "status": RUNNING,
    }
    attachments.attach(run_hash, client_id)
    return _save(tx, props)


def restore(tx: Transaction, props: dict[str, Any]) -> dict:
    """Stage a run brought from elsewhere (an import) with its props as they were, inactive;
    AlreadyExists when the hash is taken."""
    run_hash = props["hash"]
    check_hash(run_hash)
    if tx.get(keys.run_key(run_hash)) is not None:
        raise AlreadyExists(f"run {run_hash!r} already exists")
    _check_text("name", props["name"])
    _check_text("experiment", props["experiment"])
    _check_text("description", props["description"], MAX_DESCRIPTION_CHARS)
    for tag in props["tags"]:
        _check_text("tag", tag)
    times = [props["creation_time"]] + ([props["end_time"]] if props["end_time"] is not None else [])
    if not all(math.isfinite(t) for t in times):
        raise InvalidInput(f"run {run_hash!r}: creation_time and end_time must be finite")
    status = props.get("status")
    if status not in (FINISHED, CRASHED):  # running there (a snapshot was copied), or unknown
        status = values.run_status(False, props["end_time"])
    restored = {**props, "tags": list(dict.fromkeys(props["tags"])), "active": False, "status": status}
    return _save(tx, {field: restored[field] for field in values.RUN_PROPS})


def attach(tx: Transaction, run_hash: str, experiment: str, client_id: str, attachments: Attachments) -> dict:
    props = load_props(tx, run_hash)
    if experiment:
        props["experiment"] = _check_text("experiment", experiment)
    attachments.attach(run_hash, client_id)
    _set_running(props)
    return _save(tx, props)


def _set_running(props: dict[str, Any]) -> None:
    if props["status"] == CRASHED:
        props["end_time"] = None  # it was not over after all: its client came back
    props["active"] = True
    props["status"] = RUNNING


def ensure_attached(tx: Transaction, run_hash: str, client_id: str, attachments: Attachments) -> None:
    """A batch from a client implies it has the run open (it may have attached before a restart)."""
    if attachments.is_attached(run_hash, client_id):
        return
    props = load_props(tx, run_hash)
    attachments.attach(run_hash, client_id)
    if not props["active"]:
        _set_running(props)
        _save(tx, props)


def detach(
    tx: Transaction, run_hash: str, client_id: str, attachments: Attachments, *, finished: bool
) -> dict:
    """Release a client's handle (finished: a close) or every handle of it (a client that went
    away); a run left without clients turns inactive with end_time now, and finished or crashed."""
    props = load_props(tx, run_hash)
    if attachments.detach(run_hash, client_id, every_handle=not finished):
        mark_ended(props, finished=finished)
        _save(tx, props)
        tx.forget_run(run_hash)  # nobody tracks into it now: its cached tails only take room
    return props


def mark_ended(props: dict[str, Any], *, finished: bool) -> None:
    props["active"] = False
    props["status"] = FINISHED if finished else CRASHED
    props["end_time"] = time.time()


def mark_orphans_crashed(tx: Transaction, attachments: Attachments) -> list[dict]:
    """Runs stored as running that no client holds (their clients died while no daemon ran):
    crashed. Returns their props as saved."""
    orphans = []
    for key in list(tx.keys_with_prefix(keys.RUN)):
        props = values.decode_props(tx.get(key))  # type: ignore[arg-type]  # a key just listed holds a value
        if props["active"] and not attachments.is_active(props["hash"]):
            mark_ended(props, finished=False)
            orphans.append(_save(tx, props))
    return orphans


def force_close(tx: Transaction, run_hash: str, attachments: Attachments) -> dict:
    """Detach every client and finish the run (one left open by a process that died)."""
    props = load_props(tx, run_hash)
    attachments.detach_all(run_hash)
    mark_ended(props, finished=True)
    tx.forget_run(run_hash)
    return _save(tx, props)


def delete(tx: Transaction, run_hash: str, attachments: Attachments) -> list[tuple[str, str]]:
    """Stage the deletion of a run's props and params; returns its sequences (name, context), which
    the caller deletes with aimd.ingest.points.forget. A run some client tracks into stays."""
    load_props(tx, run_hash)
    if attachments.is_active(run_hash):
        raise Conflict(f"run {run_hash!r} is open for tracking; close it before deleting it")
    for key in list(tx.keys_with_prefix(keys.params_prefix(run_hash) + keys.SEP)):
        tx.delete(key)
    tx.delete(keys.run_key(run_hash))
    return [(name, context) for name, context, _ in sequences(tx, run_hash)]


def set_props(tx: Transaction, run_hash: str, changes: dict[str, Any]) -> dict:
    props = load_props(tx, run_hash)
    for field, value in changes.items():
        if field == "archived":
            props[field] = bool(value)
        elif field == "description":
            props[field] = _check_text(field, value, MAX_DESCRIPTION_CHARS)
        elif field in PROP_FIELDS:
            props[field] = _check_text(field, value)
        else:
            raise InvalidInput(f"unknown run property {field!r}")
    return _save(tx, props)


def add_tag(tx: Transaction, run_hash: str, tag: str) -> dict:
    props = load_props(tx, run_hash)
    if not _check_text("tag", tag):
        raise InvalidInput("a tag must not be empty")
    if tag not in props["tags"]:
        props["tags"].append(tag)
    return _save(tx, props)


def remove_tag(tx: Transaction, run_hash: str, tag: str) -> dict:
    props = load_props(tx, run_hash)
    if tag in props["tags"]:
        props["tags"].remove(tag)
    return _save(tx, props)


def sequences(tx: Transaction, run_hash: str) -> list[tuple[str, str, SequenceMeta]]:
    out = []
    for key in tx.keys_with_prefix(keys.sequence_prefix(run_hash)):
        name, context = keys.sequence_id_of(run_hash, key)
        out.append((name, context, SequenceMeta.decode(tx.get(key))))  # type: ignore[arg-type]  # a key just listed holds a value
    return out


# --- params -------------------------------------------------------------------------------
def check_path(path: Sequence[str]) -> None:
    """A params path the key schema can hold: at most MAX_PARAM_DEPTH keys, each non-empty, no NUL."""
    if len(path) > MAX_PARAM_DEPTH:
        raise InvalidInput(f"params path is deeper than {MAX_PARAM_DEPTH}")
    for key in path:
        if not isinstance(key, str) or not key or len(key) > MAX_PARAM_KEY_CHARS or "\x00" in key:
            raise InvalidInput(
                f"params key {str(key)[:40]!r} must be 1..{MAX_PARAM_KEY_CHARS} chars without NUL"
            )


def _nesting(value: Any) -> int:
    """Levels of non-empty dicts, lists and tuples in value (0 for a scalar or an empty one)."""
    if isinstance(value, dict) and value:
        return 1 + max(_nesting(item) for item in value.values())
    if isinstance(value, (list, tuple)) and value:
        return 1 + max(_nesting(item) for item in value)
    return 0


def _delete_subtree(tx: Transaction, run_hash: str, path: Sequence[str]) -> bool:
    key = keys.param_key(run_hash, path)
    doomed = list(tx.keys_with_prefix(key + keys.SEP))
    if path and tx.get(key) is not None:
        doomed.append(key)
    for k in doomed:
        tx.delete(k)
    return bool(doomed)


def _put_tree(tx: Transaction, run_hash: str, path: list[str], value: Any) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            sub = [*path, key]
            check_path(sub)
            _put_tree(tx, run_hash, sub, item)
    else:
        tx.put(keys.param_key(run_hash, path), values.encode(value))


def set_params(tx: Transaction, run_hash: str, path: Sequence[str], value: Any) -> None:
    """Replace the sub-tree at path by value (dicts are stored leaf by leaf)."""
    load_props(tx, run_hash)
    check_path(path)
    if not path and not isinstance(value, dict):
        raise InvalidInput("the whole params tree (run[...]) must be a dict")
    if len(path) + _nesting(value) > MAX_PARAM_DEPTH:
        # deeper trees could be stored but never read back whole: GetParams replies would not parse
        raise InvalidInput(f"params nest deeper than {MAX_PARAM_DEPTH} levels (keys and list items)")
    _delete_subtree(tx, run_hash, path)
    for depth in range(1, len(path)):  # a leaf on the way down becomes a dict
        ancestor = keys.param_key(run_hash, path[:depth])
        if tx.get(ancestor) is not None:
            tx.delete(ancestor)
    if not path and not value:
        return  # run[...] = {}: no params at all (the root is never a leaf)
    _put_tree(tx, run_hash, list(path), value)


def delete_params(tx: Transaction, run_hash: str, path: Sequence[str]) -> None:
    """Delete the sub-tree at path; nothing there is no error (as in Aim, and a retried delete
    finds nothing)."""
    load_props(tx, run_hash)
    check_path(path)
    _delete_subtree(tx, run_hash, path)
