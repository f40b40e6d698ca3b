"""The tools API: what aim's own apps need of a repository beyond Aim's public API.

The `aim` CLI, the web UI (`aim up`), the converters and the framework integrations are built on
the SDK like any user's script; where they need more than Repo, Run and the sequences show, they
ask here, never the SDK's private attributes (tests/test_import_graph.py checks it). Aim has no
such module: scripts written for Aim never need it. Each function reads or changes a repository
through its daemon, as Repo and Run do; errors are aim.errors exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aim._model.repo import Repo
    from aim._model.run import Run
    from aim._model.sequences import ObjectSequence
    from aim._transport.results import GroupStats, RunMatch

__all__ = [
    "add_tag",
    "aggregate_metrics",
    "blob",
    "close_run",
    "count_points",
    "delete_run",
    "error_column",
    "list_runs",
    "newest_objects",
    "object_from_record",
    "object_record",
    "object_records",
    "query",
    "remove_tag",
    "run_props",
    "run_sequences",
    "set_archived",
    "stored_props",
]


# --- a query's syntax error --------------------------------------------------------------------
def error_column(exc: SyntaxError) -> int:
    """The 1-based column to show a query's syntax error at: Python's offset, or the query's end
    where Python gives 0 (a query that ends too early, such as `run.hparams.lr >`)."""
    if not exc.offset and exc.text:
        return len(exc.text.rstrip("\n")) + 1
    return exc.offset or 1


# --- a repository ------------------------------------------------------------------------------
def query(repo: Repo, sequence_type: str | None, text: str = "", **options: Any) -> Iterator[RunMatch]:
    """Stream what an AimQL query matches, newest run first: a RunMatch per run (its props, and
    for a sequence type ("metric", "images", ...; None: a runs query) its matching sequences as
    dicts, with their points when with_points). The options are those of aim._model.query.iter_query:
    run_hash, with_points, with_params, limit, include_archived, values_only, max_points,
    report_mode (a progress bar or nothing: progress is never yielded), timeout_s, offset."""
    from aim._model.query import iter_query
    from aim._transport.results import RunMatch

    for item in iter_query(repo._target, sequence_type, text, **options):
        if isinstance(item, RunMatch):
            yield item


def aggregate_metrics(repo: Repo, text: str, aggregate: dict[str, Any]) -> Iterator[RunMatch | GroupStats]:
    """The group statistics of the metrics an AimQL query matches, reduced in the daemon: a
    GroupStats per group (aggregate: group_by, line, band, max_points), and a RunMatch per run
    (its props and params) for the groups' keys."""
    from aim._model.query import QueryReportMode, iter_query
    from aim._transport.results import QueryProgress

    for item in iter_query(
        repo._target, "metric", text, aggregate=aggregate, report_mode=QueryReportMode.DISABLED
    ):
        if not isinstance(item, QueryProgress):  # (none comes with the report disabled)
            yield item


def list_runs(repo: Repo) -> list[dict[str, Any]]:
    """The props of every run of the repository (archived ones too): its status listing."""
    return repo._client.list_runs()


def stored_props(repo: Repo, run_hash: str) -> dict[str, Any]:
    """A stored run's props as the daemon holds them now (MissingRunError when there is none)."""
    return repo._client.get_run(run_hash)


def set_archived(repo: Repo, run_hash: str, archived: bool) -> dict[str, Any]:
    """Archive a run (or bring it back); its props after."""
    return repo._client.set_props(run_hash, archived=archived)


def add_tag(repo: Repo, run_hash: str, tag: str) -> dict[str, Any]:
    """Tag a run; its props after."""
    return repo._client.add_tag(run_hash, tag)


def remove_tag(repo: Repo, run_hash: str, tag: str) -> dict[str, Any]:
    """Take a tag off a run; its props after."""
    return repo._client.remove_tag(run_hash, tag)


def delete_run(repo: Repo, run_hash: str) -> None:
    """Delete a run for good; unlike Repo.delete_run, an AimError says why it was not."""
    repo._client.delete_run(run_hash)


def close_run(repo: Repo, run_hash: str) -> dict[str, Any]:
    """Mark a run finished, whichever processes still hold it open; its props after."""
    return repo._client.close_run(run_hash, force=True)


def count_points(repo: Repo, run_hashes: Iterable[str]) -> int:
    """Points (and objects) in the runs' sequences, from their metadata: a progress bar's total."""
    from aim._transfer.copy import count_points as count

    return count(repo._client, run_hashes)


def blob(repo: Repo, sha256_hex: str) -> bytes:
    """A stored blob's bytes by its SHA-256 (hex); ValueError for a malformed digest."""
    return repo._client.get_blob(sha256_hex)


# --- a run ---------------------------------------------------------------------------------------
def run_props(run: Run, *, fresh: bool = True) -> dict[str, Any]:
    """A run's props (hash, name, experiment, tags, archived, active, times, ...): as the daemon
    holds them now when fresh, else as the run last read them (no daemon call)."""
    return run._fresh_props() if fresh else run._props


def run_sequences(run: Run) -> list[dict[str, Any]]:
    """Every sequence of a run, as dicts: name, context (canonical JSON), dtype, count,
    first/last step and value, min, max."""
    return run._client.list_sequences(run.hash)


# --- object sequences ----------------------------------------------------------------------------
def object_records(seq: ObjectSequence) -> dict[str, Any]:
    """An object sequence's points without their blobs: "steps" (an int64 array), "epochs",
    "timestamps", "records" (per step, a list of (kind, meta dict, blob SHA-256 hex)), "dtype"."""
    return seq._records()


def newest_objects(seq: ObjectSequence, limit: int) -> tuple[list[int], list[list[Any]], int]:
    """The newest `limit` steps of an object sequence with their objects (a list per step), only
    their blobs read; and the number of steps in all."""
    from aim import objects

    points = seq._records()
    records = points["records"][-limit:]
    shas = sorted({sha for step_records in records for _, _, sha in step_records})
    blobs = dict(zip(shas, seq.run._client.get_blobs(shas), strict=True))
    values = [
        [objects.KINDS[kind]._from_record(meta, blobs[sha]) for kind, meta, sha in step_records]
        for step_records in records
    ]
    return points["steps"][-limit:].tolist(), values, len(points["steps"])


def object_record(obj: Any) -> tuple[dict[str, Any], bytes]:
    """An object (aim.Image, aim.Text, ...) as it is stored: its meta and its payload bytes."""
    return obj._record()


def object_from_record(cls: type, meta: dict[str, Any], payload: bytes) -> Any:
    """The object of class cls that a stored meta and payload make (object_record's inverse)."""
    return cls._from_record(meta, payload)  # type: ignore[attr-defined]  # every aim.objects class has it
