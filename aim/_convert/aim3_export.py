"""Export an Aim 3 repository as JSON lines, run by the real Aim package in its own Python.

    PYTHON aim3_export.py REPO_DIR OUT_FILE

This file is a program for another environment: it imports Aim 3 (not aim-tracker), reads every
run through Aim's own API and writes one JSON object a line:

    {"run": {hash, name, description, experiment, tags, archived, creation_time, end_time, params,
             artifacts_uri, artifacts: {name: {name, path, uri, base_uri}}}}
    {"metric": {name, context, steps, values, epochs, timestamps}}
    {"objects": {name, context, kind, is_list, points: [[step, epoch, time, [record, ...]], ...]}}
    {"end": hash}

A record: image {caption, format, width, height, data}, audio {caption, format, rate, data}
(data base64), distribution {weights, range}, text {text}, figure {json}. Exit status 3 (with
the hashes on stderr) when some run is still being written; nothing is written then.
"""

import base64
import json
import math
import sys

SEQUENCE_TYPES = ("images", "audios", "distributions", "texts", "figures")
GETTERS = {
    "images": "get_image_sequence",
    "audios": "get_audio_sequence",
    "distributions": "get_distribution_sequence",
    "texts": "get_text_sequence",
    "figures": "get_figure_sequence",
}
EXIT_ACTIVE = 3


def _num(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value) if not isinstance(value, int) else value


def _b64(blob):
    data = blob.load() if hasattr(blob, "load") else blob
    return base64.b64encode(bytes(data)).decode()


def _record(kind, obj):
    if kind == "images":
        storage = obj.storage
        return {
            "caption": obj.caption,
            "format": obj.format,
            "width": obj.width,
            "height": obj.height,
            "data": _b64(storage["data"]),
        }
    if kind == "audios":
        storage = obj.storage
        return {
            "caption": storage.get("caption", ""),
            "format": storage.get("format", "wav"),
            "rate": storage.get("rate"),
            "data": _b64(storage["data"]),
        }
    if kind == "distributions":
        return {"weights": [float(w) for w in obj.weights], "range": [float(x) for x in obj.range]}
    if kind == "texts":
        return {"text": obj.data}
    return {"json": obj.data if isinstance(obj.data, str) else json.dumps(obj.json())}


def _artifacts(run):
    """Aim's artifact listing of a run: where each was logged from and where it lies."""
    listing = {}
    for name, artifact in (run.artifacts or {}).items():
        storage = artifact.storage
        listing[name] = {key: storage[key] for key in ("name", "path", "uri", "base_uri")}
    return listing


def export(repo_dir, out):
    from aim import Repo
    from aim.storage.context import Context

    repo = Repo(repo_dir)
    runs = list(repo.iter_runs())
    active = [run.hash for run in runs if run.active]
    if active:
        print(" ".join(active), file=sys.stderr)
        return EXIT_ACTIVE
    for run in runs:
        try:
            params = run[...]
        except KeyError:  # a run without params
            params = {}
        props = {
            "hash": run.hash,
            "name": run.name or "",
            "description": run.description or "",
            "experiment": run.experiment or "default",
            "tags": list(run.tags),
            "archived": bool(run.archived),
            "creation_time": run.creation_time,
            "end_time": run.end_time,
            "params": params,
            "artifacts_uri": run.meta_run_tree.get("artifacts_uri", None),
            "artifacts": _artifacts(run),
        }
        out.write(json.dumps({"run": props}) + "\n")
        for metric in run.metrics():
            steps, (values, epochs, stamps) = metric.data.numpy()
            out.write(
                json.dumps(
                    {
                        "metric": {
                            "name": metric.name,
                            "context": metric.context.to_dict(),
                            "steps": steps.tolist(),
                            "values": [_num(v) for v in values.tolist()],
                            "epochs": [_num(v) for v in epochs.tolist()],
                            "timestamps": stamps.tolist(),
                        }
                    }
                )
                + "\n"
            )
        info = run.collect_sequence_info(SEQUENCE_TYPES, skip_last_value=True)
        for kind in SEQUENCE_TYPES:
            for seq_info in info.get(kind, []):
                seq = getattr(run, GETTERS[kind])(seq_info["name"], Context(seq_info["context"]))
                steps, (values, epochs, stamps) = seq.data.items_list()
                points, is_list = [], False
                for step, value, epoch, stamp in zip(steps, values, epochs, stamps):  # noqa: B905 (any Python)
                    is_list = is_list or isinstance(value, list)
                    items = value if isinstance(value, list) else [value]
                    points.append([step, _num(epoch), stamp, [_record(kind, item) for item in items]])
                line = {"name": seq_info["name"], "context": seq_info["context"], "kind": kind}
                out.write(json.dumps({"objects": {**line, "is_list": is_list, "points": points}}) + "\n")
        out.write(json.dumps({"end": run.hash}) + "\n")
    return 0


if __name__ == "__main__":
    with open(sys.argv[2], "w") as file:
        sys.exit(export(sys.argv[1], file))
