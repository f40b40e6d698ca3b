"""MLflow runs into runs: `aim convert mlflow --tracking_uri URI [-e NAME_OR_ID]`.

Reading is MLflow's own client (any tracking URI it supports: a sqlite or file store, a tracking
server), from the optional extra `aim-tracker[mlflow]`. The mapping is Aim's:
run['mlflow_run_id'], run['mlflow_run_name'], run['params'] (MLflow's params), run['tags'] (the
tags outside MLflow's `mlflow.` namespace), the description from `mlflow.note.content`, every metric
point with its step and timestamp, and the image, text and audio artifacts as objects: one list per
artifact folder, named after the folder ('root' at the top), with the context {'type': kind}. Other
artifacts are skipped with a line each. The MLflow experiment's name becomes the experiment. A run's
hash comes from its MLflow run id, so converting the same runs again skips them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from aim._convert import RunBuilder, stable_hash
from aim.errors import AimError

EXTRA_HINT = "aim convert mlflow needs MLflow: pip install 'aim-tracker[mlflow]'"
SYSTEM_TAG_PREFIX = "mlflow."
NOTE_TAG, NAME_TAG = "mlflow.note.content", "mlflow.runName"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
TEXT_SUFFIXES = frozenset(
    {".txt", ".log", ".py", ".js", ".yaml", ".yml", ".json", ".csv", ".tsv", ".md", ".rst", ".jsonnet"}
)
AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".flac"})
PAGE_SIZE = 1000
_FILE_SCHEMES = ("", "file")

Say = Callable[[str], None]


def _installed() -> bool:
    """Whether mlflow can be imported (asked without importing it: that takes seconds)."""
    import importlib.util

    try:
        return importlib.util.find_spec("mlflow") is not None
    except (ImportError, ValueError, AttributeError):  # e.g. sys.modules['mlflow'] = None
        return False


def _mlflow() -> Any:
    try:
        import mlflow
        from mlflow.tracking import MlflowClient  # noqa: F401 (the client the converter uses)
    except ImportError:
        raise AimError(EXTRA_HINT) from None
    return mlflow


def _local_path(uri: str) -> tuple[str, Path] | None:
    """(what, path) of a local store the URI names: ('sqlite database', file) or ('folder', dir)."""
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute.db (SQLAlchemy's spelling)
        path = uri.split("://", 1)[1]
        path = path[1:] if path.startswith("/") else path
        return "sqlite database", Path(unquote(path.split("?", 1)[0]))
    if parsed.scheme in _FILE_SCHEMES or (len(parsed.scheme) == 1 and os.name == "nt"):
        return "folder", Path(unquote(parsed.path) if parsed.scheme == "file" else uri)
    return None


def open_client(tracking_uri: str) -> Any:
    """MLflow's client of tracking_uri, checked: AimError in one line when the store is missing or
    cannot be read (a missing local store is not made, as MLflow would)."""
    if not _installed():
        raise AimError(EXTRA_HINT)
    local = _local_path(tracking_uri)
    if local is not None:
        what, path = local
        exists = path.is_file() if what == "sqlite database" else path.is_dir()
        if not exists:
            raise AimError(f"no MLflow tracking store at {tracking_uri}: the {what} {path} does not exist")
    mlflow = _mlflow()
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # a dead server: one clear error
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    client = mlflow.tracking.MlflowClient(tracking_uri=tracking_uri)
    try:
        client.search_experiments(max_results=1)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AimError(f"cannot open the MLflow tracking store {tracking_uri}: {first}") from None
    return client


def experiments(client: Any, wanted: str | None) -> list[Any]:
    """The experiment named or numbered wanted, or every active one; AimError naming an unknown one."""
    if wanted is None:
        found, token = [], None
        while True:
            page = client.search_experiments(max_results=PAGE_SIZE, page_token=token)
            found.extend(page)
            token = page.token
            if not token:
                return found
    try:
        experiment = client.get_experiment(wanted)
    except Exception:  # not an id of this store
        experiment = None
    if experiment is None:
        experiment = client.get_experiment_by_name(wanted)
    if experiment is None:
        raise AimError(f"no MLflow experiment with the id or name {wanted!r}")
    return [experiment]


def _runs_of(client: Any, experiment_id: str) -> Iterator[Any]:
    token = None
    while True:
        page = client.search_runs([experiment_id], max_results=PAGE_SIZE, page_token=token)
        yield from page
        token = page.token
        if not token:
            return


def _seconds(millis: int | None) -> float | None:
    return None if millis is None else millis / 1000.0


def _artifact_object(kind: str, local: str, path: str) -> Any:
    from aim.objects import Audio, Image, Text

    if kind == "image":
        return Image(local, caption=path)
    if kind == "text":
        return Text(Path(local).read_text(encoding="utf-8", errors="replace"))
    return Audio(local, format=Path(path).suffix.lstrip(".").lower(), caption=path)


def _kind(path: str) -> str | None:
    suffix = Path(path).suffix.lower()
    for kind, suffixes in (("image", IMAGE_SUFFIXES), ("text", TEXT_SUFFIXES), ("audio", AUDIO_SUFFIXES)):
        if suffix in suffixes:
            return kind
    return None


def _artifacts(client: Any, builder: RunBuilder, run_id: str, stamp: float, say: Say) -> None:
    """Each artifact folder's images, texts and audios as lists at step 0; the rest skipped, said."""
    with tempfile.TemporaryDirectory(prefix="aim-mlflow-") as scratch:
        folders: list[str | None] = [None]
        while folders:
            folder = folders.pop(0)
            batches: dict[str, list[Any]] = {"image": [], "text": [], "audio": []}
            for info in client.list_artifacts(run_id, folder):
                if info.is_dir:
                    folders.append(info.path)
                    continue
                kind = _kind(info.path)
                if kind is None:
                    say(f"run {run_id}: artifact {info.path} skipped (not an image, text or audio file)")
                    continue
                try:
                    local = client.download_artifacts(run_id, info.path, dst_path=scratch)
                    batches[kind].append(_artifact_object(kind, local, info.path))
                except Exception as exc:
                    say(f"run {run_id}: artifact {info.path} skipped ({exc})")
            for kind, items in batches.items():
                if items:
                    builder.objects(folder or "root", {"type": kind}, [(0, None, stamp, items)])


def run_builder(client: Any, run: Any, experiment_name: str, say: Say) -> RunBuilder:
    """The run of one MLflow run: its params, tags, metric histories and artifacts."""
    info, data = run.info, run.data
    name = data.tags.get(NAME_TAG) or getattr(info, "run_name", None) or info.run_id
    created = _seconds(info.start_time)
    builder = RunBuilder(
        stable_hash("mlflow", info.run_id),
        name=name,
        experiment=experiment_name,
        description=data.tags.get(NOTE_TAG, ""),
        creation_time=created,
        end_time=_seconds(info.end_time),
        params={
            "mlflow_run_id": info.run_id,
            "mlflow_run_name": name,
            "params": dict(data.params),
            "tags": {k: v for k, v in data.tags.items() if not k.startswith(SYSTEM_TAG_PREFIX)},
        },
    )
    for key in sorted(data.metrics):
        history = client.get_metric_history(info.run_id, key)
        builder.metric(
            key,
            None,
            [m.step for m in history],
            [float(m.value) for m in history],
            None,
            [m.timestamp / 1000.0 for m in history],
        )
    stamp = _seconds(info.end_time) or created or 0.0
    _artifacts(client, builder, info.run_id, stamp, say)
    return builder


def runs(client: Any, chosen: list[Any], say: Say = print) -> Iterator[RunBuilder]:
    """A RunBuilder per active run of the experiments chosen (see experiments())."""
    for experiment in chosen:
        for run in _runs_of(client, experiment.experiment_id):
            yield run_builder(client, run, experiment.name, say)
