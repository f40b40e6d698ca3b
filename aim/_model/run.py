"""Run: the object a training script tracks into, and the read view of a stored run."""

from __future__ import annotations

import datetime
import re
import sys
import time
import uuid
import warnings
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NoReturn

from aim._model import artifacts as _artifacts
from aim._model import connection as _connection
from aim._model import dataframes as _dataframes
from aim._model.run_sequences import SingleRunSequenceCollection
from aim._model.sequences import Metric, Sequence, dtype_matches, from_info
from aim._values import context as _context
from aim._values import params as _params
from aim._values.context import Context
from aim._values.text import check_utf8
from aim.errors import ClosedRunError, MissingRunError, ReadOnlyRunError
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT
from aim.objects import log_record
from aimproto import contract

if TYPE_CHECKING:
    from pandas import DataFrame

    from aim._model.artifacts import Artifact
    from aim._transport.channel import Target
    from aim._transport.client import Client

_now = time.time
_RUN_HASH = re.compile(contract.RUN_HASH_PATTERN)
LOG_RECORDS = "__log_records"  # the sequence Run.log_info() & co. track into, as Aim names it


def _check_text(value: Any, what: str, limit: int = contract.MAX_PROP_CHARS) -> None:
    """A prop or tag: a str that UTF-8 can carry (None would silently change nothing), at most
    limit chars (the daemon's limit, from the shared contract)."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value)} chars long, over the {limit} a run stores")
    check_utf8(value, what)


def _utc(timestamp: float | None) -> datetime.datetime | None:
    if timestamp is None:
        return None
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"{old} is deprecated: use {new}", DeprecationWarning, stacklevel=3)


class _Props(dict):
    """A run's props as read (props['name'], props.name), whose writes persist as Aim's run.props:
    props.name = ..., props.archived = True, props.add_tag(...) change the stored run."""

    _EDITABLE = ("name", "description", "experiment", "archived")

    def __init__(self, run: Run, props: dict[str, Any]) -> None:
        super().__init__(props)
        object.__setattr__(self, "_run", run)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._EDITABLE:
            raise AttributeError(f"run props {name!r} cannot be set (settable: {', '.join(self._EDITABLE)})")
        setattr(self._run, name, value)
        self.update(self._run._props)

    def add_tag(self, value: str) -> None:
        self._run.add_tag(value)
        self.update(self._run._props)

    def remove_tag(self, tag_name: str) -> None:
        self._run.remove_tag(tag_name)
        self.update(self._run._props)


def _summary(info: dict[str, Any]) -> dict[str, Any]:
    """A sequence's summary, under Aim's names for its trace metadata (last, last_step, ...)."""
    return {
        "dtype": info["dtype"],
        "first_step": info["first_step"],
        "last_step": info["last_step"],
        "first": info["first_value"],
        "last": info["last_value"],
        "min": info["min"],
        "max": info["max"],
        "count": info["count"],
    }


class _Collected:
    """What Run.track needs of a Run, its tracker, once the Run itself was collected."""

    __slots__ = ("_tracker",)

    def __init__(self, tracker: Any) -> None:
        self._tracker = tracker


def _weak_track(run: Run) -> Any:
    """run.track, holding the Run weakly: once it is collected, what its extras still track (the
    last sample, an unfinished line, as its finalizer stops them) goes through its tracker."""
    ref, collected = weakref.ref(run), _Collected(run._tracker)

    def track(
        value: Any, name: str | None = None, step: Any = None, epoch: Any = None, *, context: Any = None
    ) -> None:
        Run.track(ref() or collected, value, name, step, epoch, context=context)  # type: ignore[arg-type]  # a collected Run's stand-in answers track() as the Run did

    return track


def _dropped(tracker: Any, extras: Any) -> None:
    """The finalizer of a writable Run collected without close(): stop its extras (a sample under
    way completes first), then hand its points and the close to the sender."""
    if extras is not None:
        extras.stop()
    tracker.dropped()


class Run:
    """A run: track metrics into it, set its params and props, read them back.

    Run() creates a new run in the repository (explicit, else the nearest .aim upwards, else
    the current directory), starting the repository's daemon if none serves it. Run(run_hash)
    resumes a stored run: several processes may hold the same run open and track into it.
    """

    def __init__(
        self,
        run_hash: str | None = None,
        *,
        repo: Any = None,
        read_only: bool = False,
        experiment: str | None = None,
        force_resume: bool = False,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool = False,
        capture_terminal_logs: bool = True,
        hashname: str | None = None,
    ) -> None:
        # force_resume: Aim needs it to take over a run locked by another process; here any
        # number of processes may write one run, so there is nothing to force.
        # system_tracking_interval, log_system_params, capture_terminal_logs: see aim._tracking.system.
        if hashname is not None:
            if run_hash is not None:
                raise TypeError("give run_hash or hashname (its old name), not both")
            warnings.warn(
                "Run(hashname=...) is deprecated: use Run(run_hash=...)", DeprecationWarning, stacklevel=2
            )
            run_hash = hashname
        if run_hash is not None and not isinstance(run_hash, str):
            raise TypeError(f"run_hash must be a str, not {type(run_hash).__name__}")
        if run_hash is not None and not _RUN_HASH.fullmatch(run_hash):
            raise ValueError(f"run_hash {run_hash[:80]!r} must be {contract.RUN_HASH_RULE}")
        if experiment is not None and not isinstance(experiment, str):
            raise TypeError(f"experiment must be a str, not {type(experiment).__name__}")
        if read_only and run_hash is None:
            raise ValueError("a read-only Run needs the run_hash of a stored run")
        self._target = _connection.target_of(repo)
        self.read_only = read_only
        self._frozen = bool(getattr(repo, "read_only", False))  # a Repo opened read-only
        self._tracker = None
        self._extras = None
        self._closed = False
        create = run_hash is None
        run_hash = uuid.uuid4().hex[:24] if run_hash is None else run_hash
        from aim._tracking.system import extras

        shared = not create and not read_only and extras.held_elsewhere(self._client, run_hash)
        try:
            props, sequences = self._client.open_run(
                run_hash, create=create, experiment=experiment, read_only=read_only
            )
        except MissingRunError:
            raise MissingRunError(f"no run with hash {run_hash!r} in {self._target}") from None
        self._props = props
        if not read_only:
            from aim._tracking.buffers import Tracker  # numpy: imported by the first writable Run

            self._tracker = Tracker(run_hash, self._target, sequences)
            self._extras = extras.start(
                self,
                track=_weak_track(self),  # the sampler and the capture must not keep the Run alive
                created=create,
                shared=shared,
                system_tracking_interval=system_tracking_interval,
                capture_terminal_logs=capture_terminal_logs,
                log_system_params=log_system_params,
            )
            # A Run dropped without close() is finalized as Aim does: its extras stop, its points
            # are sent and the run closed (end_time set if no one else holds it), on the sender's
            # thread.
            self._finalizer = weakref.finalize(self, _dropped, self._tracker, self._extras)
            self._finalizer.atexit = False  # at exit the sender closes every open run itself

    @classmethod
    def _stored(cls, target: Target, props: dict[str, Any], *, frozen: bool = False) -> Run:
        """A read-only Run from props already fetched (no call to the daemon). Its props (name,
        description, experiment, archived, tags) stay editable unless frozen (a read-only Repo)."""
        run = cls.__new__(cls)
        run._target, run._props = target, props
        run.read_only, run._tracker, run._closed, run._extras = True, None, False, None
        run._frozen = frozen
        return run

    @property
    def _client(self) -> Client:
        return _connection.client(self._target)

    # --- tracking ---------------------------------------------------------------------
    def track(
        self,
        value: Any,
        name: str | None = None,
        step: int | None = None,
        epoch: int | None = None,
        *,
        context: dict | None = None,
    ) -> None:
        """Append value to the sequence (name, context) at step (default: the last step + 1).

        value is a number (Python, numpy or torch scalar, or a one-element array), or a dict
        {name: value} to track several sequences at one step. Returns at once: points are
        batched and sent by a background thread.
        """
        # The hot path: one writer lookup (a dict hit after the first point) and its append.
        tracker = self._tracker
        if tracker is None:
            self._refuse_tracking()
        now = _now()
        if name is None or type(value) is dict:
            if not isinstance(value, dict):
                raise ValueError("'name' should not be None.")  # Aim's messages, both
            if name is not None:
                raise ValueError("'name' should be None when tracking values dictionary.")
            for key, item in value.items():
                tracker.writer(key, context, item).append(item, step, epoch, now)
            return
        # tracker.writer(name, context, value), inlined: one Python call less per point
        try:
            writer = tracker.writers[name if context is None else (name, tuple(context.items()))]
        except (KeyError, TypeError, AttributeError):  # first sighting, unhashable values, not a dict
            writer = tracker.writer(name, context, value)
        else:
            if type(writer) is dict:
                writer = tracker.by_types(writer, name, context, value)
        writer.append(value, step, epoch, now)

    def _refuse_tracking(self) -> NoReturn:
        if self.read_only:
            raise ReadOnlyRunError(
                f"run {self.hash} was opened read-only: open it with Run(run_hash) to track"
            )
        raise ClosedRunError(f"run {self.hash} is closed: resume it with Run({self.hash!r}) to track more")

    def _writable(self) -> None:
        if self.read_only:
            raise ReadOnlyRunError(f"run {self.hash} was opened read-only")

    # --- params -----------------------------------------------------------------------
    def __setitem__(self, key: Any, value: Any) -> None:
        """run['hparams'] = {...}; run['hparams', 'lr'] = 1e-3; run[...] = {...} replaces all."""
        self.set(key, value)

    def set(self, key: Any, val: Any, strict: bool = True) -> None:
        """Set the params sub-tree at key (as run[key] = val). strict=False stores a value of an
        unsupported type as its repr() instead of raising TypeError."""
        self._writable()
        path = _params.path_of(key)
        value = _params.plain(val, path, strict=strict)
        if not path and not isinstance(value, dict):
            raise TypeError(f"run[...] = value replaces all params: give a dict, not {type(value).__name__}")
        self._client.set_params(self.hash, path, value)

    def __getitem__(self, key: Any) -> Any:
        """The params sub-tree at key; run[...] is every param. KeyError when nothing is there."""
        path = _params.path_of(key)
        try:
            return self._client.get_params(self.hash, path)
        except MissingRunError:
            raise KeyError(f"No key {path!r} is present.") from None

    def __delitem__(self, key: Any) -> None:
        """Delete the params sub-tree at key; nothing there is no error, as in Aim."""
        self._writable()
        self._client.delete_params(self.hash, _params.path_of(key))

    def get(self, key: Any, default: Any = None, strict: bool = True, resolve_objects: bool = False) -> Any:
        """The params sub-tree at key, or default when nothing is there. strict and
        resolve_objects are Aim's; params here are always plain values, so they change nothing."""
        try:
            return self[key]
        except KeyError:
            return default

    # --- props ------------------------------------------------------------------------
    @property
    def hash(self) -> str:
        return self._props["hash"]

    def _props_writable(self) -> None:
        """Props (name, description, experiment, archived, tags) can be edited on any Run, read-only
        ones too (as Aim's UI and scripts do), except those of a Repo opened read-only."""
        if self._frozen:
            raise ReadOnlyRunError(
                f"run {self.hash} comes from a Repo opened with read_only=True: its props cannot change"
            )

    def _set_props(self, **changes: Any) -> None:
        self._props_writable()
        for field, value in changes.items():
            if field != "archived":
                limit = contract.MAX_DESCRIPTION_CHARS if field == "description" else contract.MAX_PROP_CHARS
                _check_text(value, f"run.{field}", limit)
        self._props = self._client.set_props(self.hash, **changes)

    @property
    def name(self) -> str:
        return self._props["name"]

    @name.setter
    def name(self, value: str) -> None:
        self._set_props(name=value)

    @property
    def description(self) -> str | None:
        """The run's description; None until one is set, as in Aim."""
        return self._props["description"] or None

    @description.setter
    def description(self, value: str) -> None:
        self._set_props(description=value)

    @property
    def experiment(self) -> str:
        return self._props["experiment"]

    @experiment.setter
    def experiment(self, value: str) -> None:
        self._set_props(experiment=value)

    @property
    def archived(self) -> bool:
        return self._props["archived"]

    @archived.setter
    def archived(self, value: bool) -> None:
        self._set_props(archived=bool(value))

    @property
    def tags(self) -> list[str]:
        return list(self._props["tags"])

    @property
    def notes(self) -> str:
        """The run's notes: Markdown kept in the repository, shown and edited on the run's page
        in the UI ("" when it has none)."""
        return self._client.get_document(contract.DOCUMENT_RUN_NOTES, self.hash) or ""

    @notes.setter
    def notes(self, value: str) -> None:
        """Replace the run's notes ("" removes them); RequestRejected past
        aimproto.contract.MAX_DOCUMENT_BYTES."""
        self._props_writable()
        if not isinstance(value, str):
            raise TypeError(f"run.notes must be a str, not {type(value).__name__}")
        check_utf8(value, "run.notes")
        if value:
            self._client.put_document(contract.DOCUMENT_RUN_NOTES, self.hash, value)
        else:
            self._client.delete_document(contract.DOCUMENT_RUN_NOTES, self.hash)

    def add_tag(self, value: str) -> None:
        self._props_writable()
        _check_text(value, "a tag")
        self._props = self._client.add_tag(self.hash, value)

    def remove_tag(self, tag_name: str) -> None:
        self._props_writable()
        _check_text(tag_name, "a tag")
        self._props = self._client.remove_tag(self.hash, tag_name)

    @property
    def creation_time(self) -> float:
        """Creation time, seconds since the Unix epoch (UTC)."""
        return self._props["creation_time"]

    @property
    def created_at(self) -> datetime.datetime:
        return _utc(self.creation_time)  # type: ignore[return-value]  # creation_time is set on every stored run

    def _fresh_props(self) -> dict[str, Any]:
        self._props = self._client.get_run(self.hash)
        return self._props

    @property
    def end_time(self) -> float | None:
        """When the run was closed (seconds since the Unix epoch), None while it never was."""
        return self._fresh_props()["end_time"]

    @property
    def finalized_at(self) -> datetime.datetime | None:
        return _utc(self.end_time)

    @property
    def duration(self) -> float:
        """Seconds from creation to end_time, or to now while the run was never closed."""
        props = self._fresh_props()
        end = props["end_time"]
        return (end if end is not None else _now()) - props["creation_time"]

    @property
    def active(self) -> bool:
        """True while some process has the run open for tracking."""
        return self._fresh_props()["active"]

    @property
    def status(self) -> str:
        """'running' while some process has the run open, 'finished' once closed, 'crashed' when
        the daemon saw its last process die without closing it (where the daemon tells)."""
        props = self._fresh_props()
        return props.get("status") or ("running" if props["active"] else "finished")

    # --- lifecycle --------------------------------------------------------------------
    def close(self) -> None:
        """Send everything tracked, wait until the daemon has it on disk, and end the run."""
        if self._closed or self._tracker is None:
            self._closed = True
            return
        if self._extras is not None:
            self._extras.stop()
        failed = _artifacts.finish(getattr(self, "_artifact_log", None))  # raised once the run is closed
        tracker = self._tracker
        tracker.flush()
        self._props = self._client.close_run(self.hash)
        self._finalizer.detach()  # closed: nothing left for the finalizer
        tracker.detach()
        self._closed = True
        self._tracker = None  # track() now says the run is closed
        rejected = tracker.sender.take_rejections()
        if rejected:
            from aim._tracking.buffers import not_stored

            raise not_stored(rejected)
        if failed is not None:
            raise failed

    # --- artifacts (aim._model.artifacts) -----------------------------------------------
    def _artifacts(self) -> _artifacts.RunArtifacts:
        if getattr(self, "_artifact_log", None) is None:
            self._artifact_log = _artifacts.RunArtifacts(self._target, self.hash)
        return self._artifact_log

    @property
    def artifacts_uri(self) -> str | None:
        """Where this run's artifacts go: <uri set, else the repository's default>/<run hash>."""
        return self._artifacts().uri

    def set_artifacts_uri(self, uri: str) -> None:
        """Keep this run's artifacts under uri (file:///path or s3://bucket/prefix)."""
        self._writable()
        self._artifacts().set_uri(uri)

    def log_artifact(self, path: str, name: str | None = None, *, block: bool = False) -> None:
        """Upload the file at path as the artifact name (default: the file's name), in the
        background unless block; listed in run.artifacts once uploaded."""
        self._writable()
        self._artifacts().log_file(path, name, block)

    def log_artifacts(self, path: str, name: str | None = None, *, block: bool = False) -> None:
        """Upload every file under the folder path, as name/<its relative path> (name: the
        folder's name by default)."""
        self._writable()
        self._artifacts().log_dir(path, name, block)

    @property
    def artifacts(self) -> dict[str, Artifact]:
        """The run's uploaded artifacts: name -> Artifact (name, path, uri, download())."""
        return self._artifacts().listing()

    # --- run health (the daemon notifies the repository's webhooks) ----------------------
    def report_progress(
        self, *, expect_next_in: float = 0, block: bool = False, at_step: int | None = None
    ) -> None:
        """Tell the daemon the run progresses, and that the next report comes within
        expect_next_in seconds (0: none is expected); if it does not, the repository's webhooks
        are notified. block is Aim's (a report is always sent before this returns)."""
        self._writable()
        if isinstance(expect_next_in, bool) or not isinstance(expect_next_in, (int, float)):
            raise TypeError(
                f"expect_next_in must be a number of seconds, not {type(expect_next_in).__name__}"
            )
        if not 0 <= expect_next_in < float("inf"):
            raise ValueError(f"expect_next_in must be >= 0 seconds, not {expect_next_in}")
        if at_step is not None and (isinstance(at_step, bool) or not isinstance(at_step, int)):
            raise TypeError(f"at_step must be an int, not {type(at_step).__name__}")
        self._client.report_progress(
            self.hash, expect_next_in=float(expect_next_in), finished=False, at_step=at_step
        )

    def report_successful_finish(self, *, block: bool = True) -> None:
        """Tell the daemon the run finished successfully: no progress report is expected any more,
        and the webhooks are told it finished (a crash after this is not reported)."""
        self._writable()
        self._client.report_progress(self.hash, expect_next_in=0.0, finished=True, at_step=None)

    def finalize(self) -> None:
        """Close the run (sets end_time); the same as close(), and as idempotent."""
        self.close()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # --- sequences --------------------------------------------------------------------
    def _sequence_infos(self) -> list[dict[str, Any]]:
        return self._client.list_sequences(self.hash)

    def metrics(self) -> SingleRunSequenceCollection:
        """Every metric of the run: for metric in run.metrics(): metric.values.sparse_numpy()."""
        return SingleRunSequenceCollection(self, seq_cls=Metric)

    def _get_sequence(self, seq_type: str, name: str, context: dict | None) -> Sequence | None:
        seq_cls = Sequence.registry.get(seq_type)
        if seq_cls is None:
            raise ValueError(f"{seq_type!r} is not a sequence type (one of {sorted(Sequence.registry)})")
        wanted = _context.canonical(context)
        for info in self._sequence_infos():
            if info["name"] == name and info["context"] == wanted:
                if not dtype_matches(info["dtype"], seq_cls.allowed_dtypes()) or not info["count"]:
                    return None
                return from_info(seq_cls, self, info)
        return None

    def get_metric(self, name: str, context: dict | None = None) -> Metric | None:
        """The metric (name, context), or None when the run has none such."""
        return self._get_sequence("metric", name, context)  # type: ignore[return-value]  # the metric kind gives a Metric

    def get_image_sequence(self, name: str, context: dict | None = None) -> Sequence | None:
        """The images sequence (name, context), or None."""
        return self._get_sequence("images", name, context)

    def get_distribution_sequence(self, name: str, context: dict | None = None) -> Sequence | None:
        """The distributions sequence (name, context), or None."""
        return self._get_sequence("distributions", name, context)

    def get_text_sequence(self, name: str, context: dict | None = None) -> Sequence | None:
        """The texts sequence (name, context), or None."""
        return self._get_sequence("texts", name, context)

    def get_terminal_logs(self) -> Sequence | None:
        """What this run's first process wrote to stdout and stderr: a text sequence, one line a
        step (other processes' lines: get_text_sequence('logs', their context)); None if none."""
        return self._get_sequence("texts", "logs", {})

    def get_audio_sequence(self, name: str, context: dict | None = None) -> Sequence | None:
        """The audios sequence (name, context), or None."""
        return self._get_sequence("audios", name, context)

    def get_figure_sequence(self, name: str, context: dict | None = None) -> Sequence | None:
        """The figures sequence (name, context), or None."""
        return self._get_sequence("figures", name, context)

    # --- log records (Aim's run.log_info() & co.) ----------------------------------------
    def _log_message(self, level: int, msg: str, kwargs: dict[str, Any]) -> None:
        caller = sys._getframe(2)  # whoever called log_info() & co.
        where = (caller.f_code.co_filename, caller.f_lineno)
        record = log_record.LogRecord(msg, level, logger_info=where, **kwargs)
        self.track(record, name=LOG_RECORDS)

    def log_error(self, msg: str, **kwargs: Any) -> None:
        """Track msg (and kwargs, JSON values) as an ERROR record of the run's log."""
        self._log_message(log_record.ERROR, msg, kwargs)

    def log_warning(self, msg: str, **kwargs: Any) -> None:
        """Track msg (and kwargs) as a WARNING record of the run's log."""
        self._log_message(log_record.WARNING, msg, kwargs)

    def log_info(self, msg: str, **kwargs: Any) -> None:
        """Track msg (and kwargs) as an INFO record of the run's log."""
        self._log_message(log_record.INFO, msg, kwargs)

    def log_debug(self, msg: str, **kwargs: Any) -> None:
        """Track msg (and kwargs) as a DEBUG record of the run's log."""
        self._log_message(log_record.DEBUG, msg, kwargs)

    def get_log_records(self) -> Sequence | None:
        """The run's log (a LogRecords sequence, one record per step), or None when it has none."""
        return self._get_sequence("log_records", LOG_RECORDS, None)

    def iter_metrics_info(self) -> Iterator[tuple[str, Context, Run]]:
        """(name, context, run) for every metric (int or float values) of the run."""
        return self.iter_sequence_info_by_type(Metric.allowed_dtypes())

    def iter_sequence_info_by_type(self, dtypes: str | tuple[str, ...]) -> Iterator[tuple[str, Context, Run]]:
        """(name, context, run) for every sequence whose values are one of dtypes ('*': any)."""
        for info in self._sequence_infos():
            if dtype_matches(info["dtype"], dtypes):
                yield info["name"], Context(_context.parse(info["context"])), self

    def collect_sequence_info(
        self, sequence_types: str | tuple[str, ...], skip_last_value: bool = False
    ) -> dict[str, list[dict[str, Any]]]:
        """{sequence type: [{'name', 'context', 'last_value'}, ...]} for the given types
        ('metric', 'images', ...). last_value is the sequence's summary: last (the last value),
        last_step, first_step, first, min, max, count and dtype."""
        types = (sequence_types,) if isinstance(sequence_types, str) else tuple(sequence_types)
        classes = {}
        for seq_type in types:
            if seq_type not in Sequence.registry:
                raise ValueError(f"{seq_type!r} is not a sequence type (one of {sorted(Sequence.registry)})")
            classes[seq_type] = Sequence.registry[seq_type]
        overview: dict[str, list[dict[str, Any]]] = {seq_type: [] for seq_type in types}
        for info in self._sequence_infos():
            entry: dict[str, Any] = {"name": info["name"], "context": _context.parse(info["context"])}
            if not skip_last_value:
                entry["last_value"] = _summary(info)
            for seq_type, seq_cls in classes.items():
                if dtype_matches(info["dtype"], seq_cls.allowed_dtypes()):
                    overview[seq_type].append(entry)
        return overview

    def dataframe(self, include_props: bool = True, include_params: bool = True) -> DataFrame:
        """A one-row pandas DataFrame: the run's hash, props and params (needs pandas)."""
        return _dataframes.run_frame(self, include_props=include_props, include_params=include_params)

    # --- Aim 3.0 names, deprecated ----------------------------------------------------
    def traces(self) -> SingleRunSequenceCollection:
        """Deprecated: metrics()."""
        _deprecated("Run.traces()", "Run.metrics()")
        return self.metrics()

    def get_trace(self, metric_name: str, context: dict | None = None) -> Metric | None:
        """Deprecated: get_metric()."""
        _deprecated("Run.get_trace()", "Run.get_metric()")
        return self.get_metric(metric_name, context)

    def iter_all_traces(self) -> Iterator[tuple[str, Context, Run]]:
        """Deprecated: iter_metrics_info()."""
        _deprecated("Run.iter_all_traces()", "Run.iter_metrics_info()")
        return self.iter_metrics_info()

    def get_traces_overview(self) -> list[dict[str, Any]]:
        """Deprecated: [{'context', 'metric_name', 'last_value'}] per metric; see collect_sequence_info()."""
        _deprecated("Run.get_traces_overview()", "Run.collect_sequence_info('metric')")
        return [
            {"context": entry["context"], "metric_name": entry["name"], "last_value": entry["last_value"]}
            for entry in self.collect_sequence_info("metric")["metric"]
        ]

    @property
    def props(self) -> dict[str, Any]:
        """The run's props (name, experiment, tags, creation_time, ...), read fresh; setting
        props.name (description, experiment, archived) or props.add_tag() changes the run."""
        return _Props(self, self._fresh_props())

    # --- identity ---------------------------------------------------------------------
    @property
    def repo(self) -> Any:
        from aim._model.repo import Repo

        return Repo(str(self._target))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Run) and other.hash == self.hash

    def __hash__(self) -> int:
        return hash(self.hash)

    def __repr__(self) -> str:
        return f"<Run {self.hash} name={self.name!r} repo={self._target}>"
