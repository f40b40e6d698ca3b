"""What the UI's pages show, as JSON-ready dicts read through the SDK (a Repo and its queries).

Nothing here knows HTTP: aim.web.app maps these functions to routes and their errors to
statuses. Floats that JSON cannot carry (NaN, infinities) become None.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from aim import tools
from aim.errors import MissingRunError
from aim.sdk.types import QueryReportMode
from aimproto.contract import SEQUENCE_TYPE_OF

if TYPE_CHECKING:
    import numpy as np

    from aim import Repo

QUIET = QueryReportMode.DISABLED
TABLE_TEXT_CHARS = 200  # a name or param value longer than this is cut in the runs table
TABLE_PARAMS = 100  # params per run in the runs table (the run page shows them all)
PARAM_DEPTH = 6  # nesting shown as columns in the runs table
SYSTEM_PREFIX = "__system__"  # system metrics (Aim's naming)
TERMINAL_LOGS = "logs"  # the texts sequence of a run's captured terminal output (Aim's naming)
LOG_RECORDS = "__log_records"  # the texts sequence of a run's log records (Aim's naming)
DEFAULT_POINTS = 1000  # points per metric of a chart unless asked (reduced in the daemon)
MAX_POINTS = 100_000
MAX_SERIES = 1000  # sequences one chart request returns at most
TEXTS_PER_SEQUENCE = 200  # the newest steps of a texts sequence
LOG_LINES = 5000  # the newest lines of a run's terminal logs on its page
LOG_RECORDS_SHOWN = 2000  # the newest records of a run's log on its page
AUDIO_STEPS = 50  # the newest steps of an audio sequence on its run's page
TEXT_CHARS = 10_000
DISTRIBUTION_STEPS = 200  # steps of a distributions sequence drawn (evenly spread)


def existing_run(repo: Any, run_hash: str) -> Any:
    """The run with that hash (MissingRunError, so a 404, when there is none)."""
    run = repo.get_run(run_hash)
    if run is None:
        raise MissingRunError(f"no run with hash {run_hash!r}")
    return run


def finite(value: Any) -> Any:
    """value, or None for a float JSON cannot carry."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def plain(tree: Any) -> Any:
    """A param tree with non-finite floats as None (JSON-ready)."""
    if isinstance(tree, dict):
        return {str(k): plain(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [plain(v) for v in tree]
    return finite(tree)


def column(array: np.ndarray) -> list:
    """A numeric column as a JSON-ready list (NaN and infinities as None)."""
    import numpy as np

    if array.dtype.kind != "f" or bool(np.isfinite(array).all()):
        return array.tolist()
    out = array.astype(object)
    out[~np.isfinite(array)] = None
    return out.tolist()


def cut(text: str, limit: int = TABLE_TEXT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def table_params(tree: Any) -> tuple[dict[str, Any], bool]:
    """A params tree as {dotted path: short value} for table columns: (columns, whether some
    were left out). Lists and deep trees are shown as short JSON; long texts are cut."""
    out: dict[str, Any] = {}
    stack: list[tuple[str, Any, int]] = [("", tree, 0)]
    truncated = False
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, dict) and value and depth < PARAM_DEPTH:
            stack.extend(
                (f"{path}.{k}" if path else str(k), v, depth + 1) for k, v in reversed(value.items())
            )
            continue
        if len(out) >= TABLE_PARAMS:
            truncated = True
            break
        if isinstance(value, str):
            value = cut(value)
        elif isinstance(value, (dict, list, tuple)):
            value = cut(json.dumps(plain(value), default=str))
        out[path or "(params)"] = finite(value)
    return out, truncated


def run_summary(props: dict[str, Any]) -> dict[str, Any]:
    """A run's props for listings: the texts cut, times as seconds since the epoch."""
    end = props.get("end_time")
    return {
        "hash": props["hash"],
        "name": cut(props.get("name") or ""),
        "experiment": cut(props.get("experiment") or ""),
        "tags": [cut(t, 60) for t in props.get("tags", ())],
        "archived": props.get("archived", False),
        "active": props.get("active", False),
        "created": props.get("creation_time"),
        "ended": end,
        "duration": None if end is None else end - props["creation_time"],
    }


def context_label(context: Any) -> str:
    return json.dumps(dict(context), sort_keys=True, default=str) if context else ""


def runs_table(repo: Repo, query: str = "", *, archived: bool = False, limit: int = 0) -> dict[str, Any]:
    """The runs a runs query matches, newest first (the first limit of them, when limit > 0),
    with their params as table columns; "complete" tells whether every matching run is there."""
    rows, truncated = [], False
    for match in tools.query(
        repo,
        None,
        query,
        with_params=True,
        include_archived=archived,
        limit=limit + 1 if limit > 0 else None,  # one more: is there more?
        report_mode=QUIET,
    ):
        props = match.props
        params, cut_some = table_params(props.pop("params", None) or {})
        truncated |= cut_some
        rows.append({**run_summary(props), "params": params})
    complete = limit <= 0 or len(rows) <= limit
    return {"runs": rows if complete else rows[:limit], "params_truncated": truncated, "complete": complete}


def runs_metrics(repo: Repo, query: str = "", *, archived: bool = False) -> dict[str, Any]:
    """Last, min and max of every metric of the runs a query matches: {hash: {label: {...}}}."""
    out: dict[str, dict[str, Any]] = {}
    for match in tools.query(repo, "metric", query, include_archived=archived, report_mode=QUIET):
        out[match.props["hash"]] = {
            f"{s['name']} {context_label(s['context'])}".strip(): {
                "last": finite(s["last_value"]),
                "min": finite(s["min"]),
                "max": finite(s["max"]),
            }
            for s in match.sequences
        }
    return {"metrics": out}


def _series(run: dict[str, Any], seq: dict[str, Any]) -> dict[str, Any]:
    cols = seq["columns"] or {}
    return {
        "run": run,
        "name": seq["name"],
        "context": dict(seq["context"]),
        "count": seq["count"],
        "steps": column(cols["steps"]) if cols else [],
        "values": column(cols["values"]) if cols else [],
        "epochs": column(cols["epochs"]) if cols else [],
        "times": column(cols["timestamps"]) if cols else [],
    }


def metrics(repo: Repo, query: str = "", *, max_points: int = DEFAULT_POINTS) -> dict[str, Any]:
    """The metrics a query matches with their points (reduced in the daemon to max_points each,
    peaks kept), and each run's params for grouping and colouring."""
    max_points = min(max(int(max_points), 4), MAX_POINTS)
    series: list[dict[str, Any]] = []
    truncated = False
    for match in tools.query(
        repo,
        "metric",
        query,
        with_points=True,
        with_params=True,
        max_points=max_points,
        report_mode=QUIET,
    ):
        params, _ = table_params(match.props.pop("params", None) or {})
        run = {**run_summary(match.props), "params": params}
        for seq in match.sequences:
            if len(series) >= MAX_SERIES:
                truncated = True
                break
            series.append(_series(run, seq))
        if truncated:
            break
    return {"series": series, "truncated": truncated, "max_points": max_points}


def run_artifacts(repo: Repo, run_hash: str) -> dict[str, Any]:
    """The run's artifacts (Run.artifacts), each with the address `aim up` downloads it from."""
    run = existing_run(repo, run_hash)
    items = [
        {
            "name": artifact.name,
            "uri": artifact.uri,
            "path": artifact.path,
            "download": f"/api/runs/{run_hash}/artifacts/download?{urlencode({'name': artifact.name})}",
        }
        for artifact in sorted(run.artifacts.values(), key=lambda a: a.name)
    ]
    return {"artifacts_uri": run.artifacts_uri, "artifacts": items}


def fetch_artifact(repo: Repo, run_hash: str, name: str, folder: str) -> str:
    """Download the run's artifact `name` into folder; its path (KeyError when there is none)."""
    artifacts = existing_run(repo, run_hash).artifacts
    if name not in artifacts:
        raise KeyError(f"run {run_hash} has no artifact {name!r}")
    return artifacts[name].download(folder)


def run_page(repo: Repo, run_hash: str) -> dict[str, Any]:
    """Everything the run page shows but the points: props, the whole params tree, and its
    sequences by kind (MissingRunError when there is no such run)."""
    run = existing_run(repo, run_hash)
    props = tools.run_props(run)
    sequences: dict[str, list[dict[str, Any]]] = {}
    for seq in tools.run_sequences(run):
        kind = _kind(seq["dtype"])
        sequences.setdefault(kind, []).append(
            {
                "name": seq["name"],
                "context": json.loads(seq["context"] or "{}"),
                "dtype": seq["dtype"],
                "count": seq["count"],
                "last": finite(seq["last_value"]),
                "min": finite(seq["min"]),
                "max": finite(seq["max"]),
            }
        )
    return {
        "props": {**run_summary(props), "name": props["name"], "description": props.get("description", "")},
        "params": plain(run.get(..., {})),
        "sequences": sequences,
    }


def _kind(dtype: str) -> str:
    return SEQUENCE_TYPE_OF.get(dtype, "other")


def run_metrics(repo: Repo, run_hash: str, *, max_points: int = DEFAULT_POINTS) -> dict[str, Any]:
    """Every metric of one run with its points (reduced to max_points each)."""
    max_points = min(max(int(max_points), 4), MAX_POINTS)
    series = [
        _series({"hash": match.props["hash"]}, seq)
        for match in tools.query(
            repo,
            "metric",
            "",
            run_hash=run_hash,
            with_points=True,
            include_archived=True,
            max_points=max_points,
            report_mode=QUIET,
        )
        for seq in match.sequences
    ]
    return {"series": series}


# --- objects ------------------------------------------------------------------------------
def _object_sequences(repo: Repo, kind: str, query: str) -> Iterator[tuple[dict[str, Any], Any]]:
    """(run summary, sequence) for each object sequence of kind a query matches (no blobs read)."""
    query_of = repo.query_figure_objects if kind == "figures" else getattr(repo, f"query_{kind}")
    collection = query_of(query, report_mode=QUIET)
    for run_collection in collection.iter_runs(values=False):
        run = None
        for seq in run_collection:
            run = run or run_summary(tools.run_props(seq.run, fresh=False))
            yield run, seq


def _blob_src(sha: str, fmt: Any) -> str:
    return f"/api/blobs/{sha}?format={quote(str(fmt))}"


def _described(run: dict[str, Any], seq: Any, key: str, describe: Any, limit: int = 0) -> dict[str, Any]:
    """An object sequence as its steps and, per step, describe(meta, sha) of each object (no blob
    read: the page fetches them from their addresses); the newest limit steps when limit > 0."""
    points = tools.object_records(seq)
    start = -limit if limit > 0 else 0
    return {
        "run": run,
        "name": seq.name,
        "context": dict(seq.context),
        "count": len(points["steps"]),
        "steps": points["steps"][start:].tolist(),
        key: [[describe(meta, sha) for _, meta, sha in records] for records in points["records"][start:]],
    }


def _image(meta: dict[str, Any], sha: str) -> dict[str, Any]:
    return {
        "caption": cut(str(meta.get("caption", "")), 500),
        "width": meta.get("width"),
        "height": meta.get("height"),
        "src": _blob_src(sha, meta.get("format", "png")),
    }


def _audio(meta: dict[str, Any], sha: str) -> dict[str, Any]:
    return {
        "caption": cut(str(meta.get("caption", "")), 500),
        "rate": meta.get("rate"),
        "src": _blob_src(sha, meta.get("format", "wav")),
    }


def _figure(meta: dict[str, Any], sha: str) -> dict[str, Any]:
    return {"version": meta.get("version"), "src": _blob_src(sha, "json")}


def images(repo: Repo, query: str = "") -> dict[str, Any]:
    """Image sequences a query matches: per step, each image's caption, size and blob address."""
    return {
        "sequences": [
            _described(run, seq, "images", _image) for run, seq in _object_sequences(repo, "images", query)
        ]
    }


def audios(repo: Repo, query: str = "") -> dict[str, Any]:
    """Audio sequences a query matches: their newest AUDIO_STEPS steps, each clip's caption,
    rate and blob address."""
    return {
        "sequences": [
            _described(run, seq, "audios", _audio, AUDIO_STEPS)
            for run, seq in _object_sequences(repo, "audios", query)
        ]
    }


def figures(repo: Repo, query: str = "") -> dict[str, Any]:
    """Figure sequences a query matches: per step, the address of its plotly JSON."""
    return {
        "sequences": [
            _described(run, seq, "figures", _figure) for run, seq in _object_sequences(repo, "figures", query)
        ]
    }


def texts(repo: Repo, query: str = "") -> dict[str, Any]:
    """Text sequences a query matches: their newest steps, each text cut at TEXT_CHARS."""
    out = []
    for run, seq in _object_sequences(repo, "texts", query):
        steps, values, count = tools.newest_objects(seq, TEXTS_PER_SEQUENCE)
        out.append(
            {
                "run": run,
                "name": seq.name,
                "context": dict(seq.context),
                "count": count,
                "steps": steps,
                "texts": [[cut(t.data, TEXT_CHARS) for t in texts] for texts in values],
            }
        )
    return {"sequences": out}


def terminal_logs(repo: Repo, run_hash: str) -> dict[str, Any]:
    """The newest LOG_LINES lines of what a run's first process printed (its terminal logs)."""
    seq = existing_run(repo, run_hash).get_terminal_logs()
    if seq is None:
        return {"lines": [], "steps": [], "count": 0}
    steps, values, count = tools.newest_objects(seq, LOG_LINES)
    lines = [cut("\n".join(t.data for t in texts), TEXT_CHARS) for texts in values]
    return {"lines": lines, "steps": steps, "count": count}


def log_records(repo: Repo, run_hash: str) -> dict[str, Any]:
    """The newest LOG_RECORDS_SHOWN records of a run's log (Run.log_info() & co.): level (the
    number and its name), message, time and the keyword arguments logged with it."""
    import logging

    seq = existing_run(repo, run_hash).get_log_records()
    if seq is None:
        return {"records": [], "count": 0}
    steps, values, count = tools.newest_objects(seq, LOG_RECORDS_SHOWN)
    records = [
        {
            "step": step,
            "level": record.level,
            "level_name": logging.getLevelName(record.level),
            "message": cut(record.message, TEXT_CHARS),
            "time": finite(record.timestamp),
            "args": plain(record.args),
        }
        for step, (record, *_) in zip(steps, values, strict=True)
    ]
    return {"records": records, "count": count}


def distributions(repo: Repo, query: str = "") -> dict[str, Any]:
    """Distribution sequences a query matches, each as a histogram per step on common bins
    (at most DISTRIBUTION_STEPS steps, evenly spread)."""
    import numpy as np

    out = []
    for run, seq in _object_sequences(repo, "distributions", query):
        steps, values = seq.values.sparse_numpy()
        if len(steps) > DISTRIBUTION_STEPS:
            pick = np.linspace(0, len(steps) - 1, DISTRIBUTION_STEPS).round().astype(int)
            steps, values = steps[pick], values[pick]
        lows = [d.range[0] for d in values]
        highs = [d.range[1] for d in values]
        bins = max((d.bin_count for d in values), default=1)
        edges = np.linspace(min(lows, default=0.0), max(highs, default=1.0), bins + 1)
        rows = []
        for d in values:
            own = d.ranges
            centers = (own[:-1] + own[1:]) / 2 if len(own) > 1 else np.array(d.range[:1])
            rows.append(column(np.histogram(centers, bins=edges, weights=d.weights)[0]))
        out.append(
            {
                "run": run,
                "name": seq.name,
                "context": dict(seq.context),
                "steps": steps.tolist(),
                "edges": column(edges),
                "weights": rows,
            }
        )
    return {"sequences": out}


def blob(repo: Repo, sha256_hex: str) -> bytes:
    """A stored blob's bytes (ValueError for a malformed address)."""
    return tools.blob(repo, sha256_hex)
