"""Repo: a repository of runs, read and queried through its daemon."""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aim._model import discovery as _discovery
from aim._model import sequences as _sequences
from aim._model.collections import QueryRunSequenceCollection, QuerySequenceCollection
from aim._model.connection import client, target_of
from aim._model.query import QueryReportMode, iter_query
from aim._model.run import Run
from aim.errors import MissingExperimentError, MissingRunError, RepoError, RequestRejected
from aimproto import contract
from aimproto.contract import AIM_DIR, SEQUENCE_TYPES, STORE_SCHEMA_VERSION

if TYPE_CHECKING:
    from aim._transport.client import Client


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"Repo.{old} is deprecated; use Repo.{new}", DeprecationWarning, stacklevel=3)


def _merge(into: dict[str, Any], tree: dict[str, Any]) -> None:
    for key, value in tree.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif key not in into:
            into[key] = value


class Repo:
    """An Aim repository: the folder holding .aim, or a remote daemon at aim://host:port.

    Repo(path) opens an existing repository (RepoError if there is none; init=True creates it).
    """

    def __init__(
        self, path: str | os.PathLike[str], read_only: bool | None = None, init: bool = False
    ) -> None:
        self.path = _discovery.resolve(path)
        self.read_only = bool(read_only)
        self.root_path = self.path
        is_remote = self.path.startswith(_discovery.REMOTE_SCHEME)
        if not is_remote and init:
            _discovery.init_repo(self.path)
        elif not is_remote and not Repo.exists(self.path):
            raise RepoError(f"no Aim repository at {self.path} (create one with `aim init` or init=True)")
        self._target = target_of(self.path)
        client(self._target)  # connect now: a daemon that cannot start is reported here

    @property
    def _client(self) -> Client:
        return client(self._target)

    # --- opening and removing ---------------------------------------------------------
    @classmethod
    def from_path(cls, path: str, read_only: bool | None = None, init: bool = False) -> Repo:
        return cls(path, read_only=read_only, init=init)

    @classmethod
    def default_repo_path(cls) -> str:
        """The folder of the nearest .aim at or above the working directory, else the working directory."""
        return str(_discovery.find_repo() or os.getcwd())

    @classmethod
    def default_repo(cls, init: bool = False) -> Repo:
        """The repository at the nearest .aim at or above the working directory, else one here."""
        found = _discovery.find_repo()
        return cls(found or os.getcwd(), init=init or found is None)

    @classmethod
    def get_version(cls, path: str | os.PathLike[str]) -> tuple[int, int]:
        """The storage format of the repository at path as (major, minor); (0, 0) where there is none."""
        if not Repo.exists(path):
            return 0, 0
        return STORE_SCHEMA_VERSION, 0

    @classmethod
    def is_remote_path(cls, path: str) -> bool:
        return os.fspath(path).startswith(_discovery.REMOTE_SCHEME)

    @property
    def is_remote_repo(self) -> bool:
        """Whether the repository is served by a remote daemon (aim://host:port)."""
        return self._target.remote

    def close(self) -> None:
        """Nothing to release: the connection is this process's, shared, and closed at exit."""

    @classmethod
    def exists(cls, path: str | os.PathLike[str]) -> bool:
        """Whether path holds an Aim repository."""
        return (Path(_discovery.resolve(path)) / AIM_DIR).is_dir()

    @classmethod
    def rm(cls, path: str | os.PathLike[str]) -> None:
        """Stop the repository's daemon and delete the repository (its .aim folder) for good."""
        from aim._transport.launcher import stop_daemon

        folder = Path(_discovery.resolve(path))
        if not (folder / AIM_DIR).is_dir():
            raise RepoError(f"no Aim repository at {folder}")
        from aim._transport.channel import pop_cached

        stop_daemon(folder)
        cached_client = pop_cached(f"client:{target_of(str(folder)).key}")
        if cached_client is not None:
            cached_client.close()
        shutil.rmtree(folder / AIM_DIR)

    # --- runs -------------------------------------------------------------------------
    def get_run(self, run_hash: str | None = None, *, hashname: str | None = None) -> Run | None:
        """The run with this hash (hashname: its old name), or None."""
        if hashname is not None:
            if run_hash is not None:
                raise TypeError("give run_hash or hashname (its old name), not both")
            run_hash = hashname
        if run_hash is None:
            return None
        if not isinstance(run_hash, str):
            raise TypeError(f"run_hash must be a str, not {type(run_hash).__name__}")
        try:
            props = self._client.get_run(run_hash)
        except (MissingRunError, RequestRejected):  # RequestRejected: a hash that cannot exist
            return None
        return Run._stored(self._target, props, frozen=self.read_only)

    def iter_runs(self) -> Iterator[Run]:
        """Every run, oldest first (read-only Run objects)."""
        for props in self._client.list_runs():
            yield Run._stored(self._target, props, frozen=self.read_only)

    def run_exists(self, run_hash: str) -> bool:
        """Whether a run with this hash is stored."""
        return self.get_run(run_hash) is not None

    def list_active_runs(self) -> list[str]:
        """The hashes of the runs some process has open for tracking, oldest first."""
        return [props["hash"] for props in self._client.list_runs() if props["active"]]

    def list_all_runs(self) -> list[str]:
        """The hashes of every run, oldest first."""
        return [props["hash"] for props in self._client.list_runs()]

    def total_runs_count(self) -> int:
        return len(self._client.list_runs())

    def delete_run(self, run_hash: str) -> bool:
        """Delete a run with everything tracked into it; False if it does not exist or is still
        being tracked into (it must be closed first). A read-only Repo refuses (RepoError)."""
        self._writable("delete runs")
        try:
            self._client.delete_run(run_hash)
        except (MissingRunError, RequestRejected):  # no such run, or one still tracked into
            return False
        return True

    def delete_experiment(self, exp_id: str) -> bool:
        """Delete every run of the experiment named exp_id, all or none: MissingExperimentError
        when no run has it, RequestRejected (nothing deleted) when one of its runs is still
        tracked into."""
        self._writable("delete experiments")
        if not isinstance(exp_id, str):
            raise TypeError(f"an experiment is named by a str, not {type(exp_id).__name__}")
        try:
            self._client.delete_experiment(exp_id)
        except MissingRunError as exc:
            raise MissingExperimentError(f"{exc} (in {self.path})") from None
        return True

    def watch(self, run_hashes: Iterable[str] | None = None) -> Any:
        """What changes in these runs (every run when None), as the daemon makes it durable: an
        iterator of dicts (run, series: the new points of each sequence, props when they
        changed, deleted, notice on the last event, heartbeat at least every few seconds) that
        lasts until close() (callable from any thread) or until the daemon ends it (its notice
        says why: a run deleted, a watcher that fell behind). MissingRunError on the first
        next() when a named run does not exist."""
        return self._client.watch(list(run_hashes or ()))

    # --- documents the UI keeps: notes, tags' colours and descriptions, bookmarks ---------------
    def get_document(self, kind: str, key: str) -> str | None:
        """The body of the document the UI keeps under (kind, key), or None. Kinds: "run-notes"
        (key: a run's hash), "experiment-notes" (an experiment's name), "tag" (a tag; a JSON
        body), "bookmark" (a bookmark's name; a JSON body)."""
        return self._client.get_document(kind, key)

    def set_document(self, kind: str, key: str, body: str | None) -> None:
        """Store a document's body (None removes it); RequestRejected for an unknown kind or a
        body over aimproto.contract.MAX_DOCUMENT_BYTES (the message gives its size)."""
        self._writable("change documents")
        if body is None:
            self._client.delete_document(kind, key)
            return
        if not isinstance(body, str):
            raise TypeError(f"a document's body is a str, not {type(body).__name__}")
        self._client.put_document(kind, key, body)

    def list_documents(self, kind: str) -> dict[str, str]:
        """Every document of a kind, {key: body}, in key order."""
        return self._client.list_documents(kind)

    def get_experiment_notes(self, experiment: str) -> str:
        """An experiment's notes (Markdown), "" when it has none."""
        return self.get_document(contract.DOCUMENT_EXPERIMENT_NOTES, experiment) or ""

    def set_experiment_notes(self, experiment: str, notes: str) -> None:
        """Replace an experiment's notes ("" removes them)."""
        self.set_document(contract.DOCUMENT_EXPERIMENT_NOTES, experiment, notes or None)

    def prune(self) -> dict[str, int]:
        """Remove what no run references any more: data of runs that no longer exist, and blobs
        (images, audio, ...) that no stored point names, except those a connected process may
        name again without resending them. Returns counts: orphan_keys, blobs, blob_bytes,
        blobs_claimed (unreferenced blobs kept for now)."""
        self._writable("prune")
        return self._client.prune()

    def _writable(self, what: str) -> None:
        if self.read_only:
            raise RepoError(f"{self} was opened read-only: it cannot {what}")

    def delete_runs(self, run_hashes: Iterable[str]) -> tuple[bool, list[str]]:
        """Delete several runs: (whether all were deleted, the hashes that were not)."""
        remaining = [h for h in run_hashes if not self.delete_run(h)]
        return not remaining, remaining

    def copy_runs(self, run_hashes: list[str], dest_repo: Repo) -> tuple[bool, list[str]]:
        """Copy runs into dest_repo, each whole or not at all: (whether all were copied, the
        hashes that were not: unknown, or already in dest_repo)."""
        from aim._transfer.copy import copy_runs

        return copy_runs(self, run_hashes, dest_repo, move=False)

    def move_runs(self, run_hashes: list[str], dest_repo: Repo) -> tuple[bool, list[str]]:
        """Move runs into dest_repo: each is removed here only once its copy landed there; a run
        still being tracked into stays. (whether all were moved, the hashes that were not)."""
        from aim._transfer.copy import copy_runs

        return copy_runs(self, run_hashes, dest_repo, move=True)

    # --- queries ----------------------------------------------------------------------
    def query_runs(
        self,
        query: str = "",
        paginated: bool = False,
        offset: str | None = None,
        report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR,
    ) -> QueryRunSequenceCollection:
        """The runs matching query, newest first, after the run offset names if given
        (paginated: accepted for Aim's signature; it changes nothing)."""
        return QueryRunSequenceCollection(self, query=query, offset=offset, report_mode=report_mode)

    def _query_sequences(self, seq_cls_name: str, query: str, report_mode: Any) -> QuerySequenceCollection:
        seq_cls = getattr(_sequences, seq_cls_name)
        return QuerySequenceCollection(self, seq_cls=seq_cls, query=query, report_mode=report_mode)

    def query_metrics(
        self, query: str = "", report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR
    ) -> QuerySequenceCollection:
        """The metrics matching query (run by run, newest run first)."""
        return self._query_sequences("Metric", query, report_mode)

    def query_images(
        self, query: str = "", report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR
    ) -> QuerySequenceCollection:
        return self._query_sequences("Images", query, report_mode)

    def query_distributions(
        self, query: str = "", report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR
    ) -> QuerySequenceCollection:
        return self._query_sequences("Distributions", query, report_mode)

    def query_texts(
        self, query: str = "", report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR
    ) -> QuerySequenceCollection:
        return self._query_sequences("Texts", query, report_mode)

    def query_audios(
        self, query: str = "", report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR
    ) -> QuerySequenceCollection:
        return self._query_sequences("Audios", query, report_mode)

    def query_figure_objects(
        self, query: str = "", report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR
    ) -> QuerySequenceCollection:
        """The figure sequences matching query (`figures.name == "roc"`, ...)."""
        return self._query_sequences("Figures", query, report_mode)

    def query_log_records(
        self, query: str = "", report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR
    ) -> QuerySequenceCollection:
        """The runs' logs (Run.log_info() & co.) matching query (`log_records.count > 0`, ...)."""
        return self._query_sequences("LogRecords", query, report_mode)

    # --- summaries --------------------------------------------------------------------
    def collect_params_info(self) -> dict[str, Any]:
        """Every param path used by any run, as one tree (values from the newest run using it)."""
        tree: dict[str, Any] = {}
        for match in iter_query(
            self._target, None, with_params=True, include_archived=True, report_mode=QueryReportMode.DISABLED
        ):
            _merge(tree, match.props.get("params") or {})  # type: ignore[union-attr]  # report_mode=DISABLED: RunMatch items only
        return tree

    def collect_sequence_info(self, sequence_types: str | Iterable[str] = ("metric",)) -> dict[str, Any]:
        """{sequence type: {name: [contexts]}} over every run, for the given sequence types."""
        if isinstance(sequence_types, str):
            sequence_types = (sequence_types,)
        out: dict[str, Any] = {}
        for seq_type in sequence_types:
            if seq_type not in SEQUENCE_TYPES:
                raise ValueError(f"unknown sequence type {seq_type!r}; known: {', '.join(SEQUENCE_TYPES)}")
            names: dict[str, list[dict]] = {}
            for match in iter_query(
                self._target, seq_type, include_archived=True, report_mode=QueryReportMode.DISABLED
            ):
                for seq in match.sequences:  # type: ignore[union-attr]  # report_mode=DISABLED: RunMatch items only
                    contexts = names.setdefault(seq["name"], [])
                    if seq["context"] not in contexts:
                        contexts.append(seq["context"])
            out[seq_type] = names
        return out

    # --- Aim 3.0 names ----------------------------------------------------------------
    def traces(self, query: str = "") -> QuerySequenceCollection:
        _deprecated("traces", "query_metrics")
        return self.query_metrics(query)

    def iter_traces(self, query: str = "") -> QuerySequenceCollection:
        _deprecated("iter_traces", "query_metrics")
        return self.query_metrics(query)

    def collect_metrics(self) -> dict[str, list]:
        _deprecated("collect_metrics", "collect_sequence_info")
        return self.collect_sequence_info(("metric",))["metric"]

    def collect_params(self) -> dict[str, Any]:
        _deprecated("collect_params", "collect_params_info")
        return self.collect_params_info()

    def __repr__(self) -> str:
        return f"<Repo {self._target!r}>"  # a remote one without its token

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Repo) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)
