"""Whole runs out of one repository and into another: Repo.copy_runs/move_runs, aim runs cp/mv,
aim export/import and the converters.

A run is read through the source daemon's read RPCs and sent to the destination daemon's
Transfer.ImportRun as one stream (aim._transport.transfer), which writes it in one piece: a run lands
whole or not at all, and never twice (the daemon refuses a hash it holds). Nothing here opens a
store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aim.errors import AimError, MissingRunError, RepoError, RunExistsError

if TYPE_CHECKING:
    from aim._model.repo import Repo
    from aim._transport.client import Client
    from aim._transport.transfer import Part


@dataclass(frozen=True)
class Outcome:
    """What became of one run: done, or not and why."""

    run_hash: str
    done: bool
    reason: str = ""


def missing_runs(repo: Repo, run_hashes: Iterable[str]) -> list[str]:
    """The hashes that name no run of repo, in the order given."""
    known = set(repo.list_all_runs())
    return [h for h in run_hashes if h not in known]


def count_points(client: Client, run_hashes: Iterable[str]) -> int:
    """Points (and objects) in the runs' sequences, from their metadata: a progress bar's total."""
    return sum(seq["count"] for h in run_hashes for seq in client.list_sequences(h))


def import_parts(dest: Repo, run_hash: str, parts: Iterator[Part]) -> Outcome:
    """Send one run's parts to dest: Outcome done, or not done because dest holds the run."""
    try:
        dest._client.import_run(parts)
    except RunExistsError:
        return Outcome(run_hash, False, f"run {run_hash} is already in {dest.path}")
    return Outcome(run_hash, True)


def transfer_runs(
    source: Repo,
    run_hashes: Iterable[str],
    dest: Repo,
    *,
    move: bool = False,
    on_points: Callable[[int], None] = lambda n: None,
) -> list[Outcome]:
    """Copy (or move) runs from source to dest, one whole run at a time. A move deletes a run
    from source only once its copy landed in dest, and refuses a run that is still tracked into."""
    if source == dest:
        raise RepoError(f"the source and destination are the same repository ({source.path})")
    if dest.read_only or (move and source.read_only):
        raise RepoError(f"{dest if dest.read_only else source} was opened read-only")
    outcomes = []
    for run_hash in run_hashes:
        try:
            props = source._client.get_run(run_hash)
        except MissingRunError:
            outcomes.append(Outcome(run_hash, False, f"no run {run_hash} in {source.path}"))
            continue
        if move and props["active"]:
            reason = f"run {run_hash} is still being tracked into (close it first: aim runs close {run_hash})"
            outcomes.append(Outcome(run_hash, False, reason))
            continue
        from aim._transport.transfer import run_parts

        outcome = import_parts(dest, run_hash, run_parts(source._client, run_hash, on_points))
        if outcome.done and move:
            try:
                source._client.delete_run(run_hash)
            except AimError as exc:
                outcome = Outcome(run_hash, False, f"run {run_hash} was copied but not removed: {exc}")
        outcomes.append(outcome)
    return outcomes


def copy_runs(source: Repo, run_hashes: Iterable[str], dest: Repo, *, move: bool) -> tuple[bool, list[str]]:
    """Repo.copy_runs / move_runs: (whether every run was done, the hashes that were not), with a
    progress bar over the runs' points."""
    from aim._values.progress import progress_bar

    run_hashes = list(run_hashes)
    missing = set(missing_runs(source, run_hashes))
    total = count_points(source._client, [h for h in run_hashes if h not in missing])
    bar = progress_bar(total, "moving runs" if move else "copying runs", unit="pt")
    try:
        outcomes = transfer_runs(source, run_hashes, dest, move=move, on_points=bar.update)
    finally:
        bar.close()
    remaining = [o.run_hash for o in outcomes if not o.done]
    return not remaining, remaining


def import_archive(
    dest: Repo, path: str | os.PathLike[str], on_bytes: Callable[[int], None] = lambda n: None
) -> tuple[list[str], list[str]]:
    """Import every run of a verified archive (aim._transfer.archive.verify) into dest, each whole:
    (imported hashes, skipped hashes, which dest already held)."""
    from aim._transfer.archive import read_runs

    def counting(parts: Iterator[Part]) -> Iterator[Part]:
        for part in parts:
            yield part
            on_bytes(part.ByteSize())

    imported: list[str] = []
    skipped: list[str] = []
    for run_hash, parts in read_runs(path):
        outcome = import_parts(dest, run_hash, counting(parts))
        (imported if outcome.done else skipped).append(run_hash)
    return imported, skipped


def export_archive(
    source: Repo,
    run_hashes: list[str],
    path: str | os.PathLike[str],
    producer: str,
    on_points: Callable[[int], None] = lambda n: None,
) -> None:
    """Write the runs to one archive file at path (aim._transfer.archive), complete or not at all;
    producer names what wrote it (e.g. "aim-tracker 0.1.0")."""
    from aim._transfer.archive import write_archive
    from aim._transport.transfer import run_parts

    runs = ((h, run_parts(source._client, h, on_points)) for h in run_hashes)
    write_archive(path, runs, run_hashes, producer)
