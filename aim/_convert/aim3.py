"""Aim 3 repositories: detect one, and convert its runs with the real Aim package.

Aim's storage is read only by Aim itself, running in a separate Python environment: the one the
user names (--aim-python), or a temporary one made with `pip install aim==VERSION`. The
repository is copied first and the copy re-indexed by Aim (runs Aim has not indexed yet read as
empty), so Aim's files are never written. aim3_export.py, run by that Python, writes every run
as JSON lines; here they become RunBuilders, one run archive (aim._transfer.archive, the format of `aim
export`), and that archive is imported: each run lands whole, once (Aim's hashes are kept, so
converting again skips what is there).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aim import tools
from aim._convert import RunBuilder
from aim._model.artifacts import LIST_KEY as ARTIFACTS_KEY
from aim._model.artifacts import URI_KEY as ARTIFACTS_URI_KEY
from aim._model.discovery import aim3_version, is_aim3_repo
from aim.errors import AimError

EXPORTER = Path(__file__).with_name("aim3_export.py")
LATEST_AIM3 = "3.29.1"  # the Aim release whose storage format is a repository's VERSION "1.x"
EXIT_ACTIVE = 3  # aim3_export.py: some run is still being written


def pip_spec(version_text: str) -> str:
    """The Aim to install for a repository's .aim/VERSION: that release when it names one (3.x.y),
    else (a storage format version, as Aim 3 writes) the last Aim 3 release."""
    text = version_text.strip()
    if text.startswith("3.") and text.count(".") == 2:
        return f"aim=={text}"
    return f"aim=={LATEST_AIM3}"


def side_env() -> dict[str, str]:
    """The environment of Aim's processes: none of this one's Python paths (Aim is `aim` too)."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def _run(command: list[str], what: str, **options: Any) -> subprocess.CompletedProcess:
    """Run one of Aim's commands from a neutral folder (a folder holding this package would be
    imported as `aim`); AimError with the end of its output when it fails."""
    options.setdefault("cwd", tempfile.gettempdir())
    done = subprocess.run(command, capture_output=True, text=True, env=side_env(), **options)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise AimError(f"{what} failed: {' / '.join(tail) or f'exit status {done.returncode}'}")
    return done


def make_environment(folder: Path, spec: str) -> str:
    """A new virtual environment in folder with spec installed; its python."""
    _run([sys.executable, "-m", "venv", str(folder)], "creating a Python environment for Aim")
    python = str(folder / "bin" / "python")
    _run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", spec],
        f"installing {spec} (an Aim that reads this repository)",
    )
    return python


def check_python(python: str) -> None:
    """python must run Aim 3 (not aim-tracker, which is `aim` too)."""
    code = "import aim.sdk; from importlib.metadata import version; print(version('aim'))"
    done = _run([python, "-c", code], f"importing Aim with {python}")
    version = done.stdout.strip()
    if not version.startswith("3."):
        raise AimError(f"importing Aim with {python} gives version {version!r}, not Aim 3")


def _aim_program(python: str) -> str:
    return str(Path(python).with_name("aim"))


def read_export(path: Path) -> Iterator[RunBuilder]:
    """RunBuilders from the JSON lines aim3_export.py wrote."""
    from aim.objects import Audio, Distribution, Figure, Image, Text

    def record(kind: str, rec: dict) -> Any:
        if kind == "images":
            meta = {k: rec[k] for k in ("caption", "format", "width", "height")}
            return tools.object_from_record(Image, meta, base64.b64decode(rec["data"]))
        if kind == "audios":
            meta = {"caption": rec["caption"], "format": rec["format"], "rate": rec["rate"]}
            return tools.object_from_record(Audio, meta, base64.b64decode(rec["data"]))
        if kind == "distributions":
            return Distribution(hist=rec["weights"], bin_range=tuple(rec["range"]))
        if kind == "figures":
            meta = {"source": "plotly", "format": "raw_json", "version": None}
            return tools.object_from_record(Figure, meta, rec["json"].encode("utf-8"))
        return Text(rec["text"])

    builder: Any = None  # a RunBuilder once its run line came (every line of a run follows that one)
    with open(path) as lines:
        for line in lines:
            item = json.loads(line)
            if "run" in item:
                props = item["run"]
                params = dict(props["params"])
                if props.get("artifacts_uri"):  # where Aim's run metadata kept them, as our runs do
                    params[ARTIFACTS_URI_KEY] = props["artifacts_uri"]
                if props.get("artifacts"):
                    params[ARTIFACTS_KEY] = props["artifacts"]
                builder = RunBuilder(
                    props["hash"],
                    name=props["name"],
                    experiment=props["experiment"],
                    description=props["description"],
                    tags=props["tags"],
                    archived=props["archived"],
                    creation_time=props["creation_time"],
                    end_time=props["end_time"],
                    params=params,
                )
            elif "metric" in item:
                m = item["metric"]
                builder.metric(m["name"], m["context"], m["steps"], m["values"], m["epochs"], m["timestamps"])
            elif "objects" in item:
                o = item["objects"]
                points = [
                    (
                        step,
                        epoch,
                        stamp,
                        [record(o["kind"], r) for r in recs] if o["is_list"] else record(o["kind"], recs[0]),
                    )
                    for step, epoch, stamp, recs in o["points"]
                ]
                builder.objects(o["name"], o["context"], points)
            else:
                yield builder


def convert(source: str | os.PathLike[str], repo: Any, *, aim_python: str | None = None) -> tuple[int, int]:
    """Import every run of the Aim 3 repository at source into repo: (imported, skipped)."""
    import aim
    from aim._transfer.archive import verify, write_archive
    from aim._transfer.copy import import_archive

    folder = Path(source).resolve()
    if not is_aim3_repo(folder):
        raise AimError(f"no Aim 3 repository at {folder} (it has no .aim folder written by Aim)")
    locks = folder / ".aim" / "locks"
    if locks.is_dir() and any(locks.iterdir()):
        raise AimError(
            f"the Aim repository at {folder} is being written to (.aim/locks is not empty): "
            "nothing was imported"
        )
    with tempfile.TemporaryDirectory(prefix="aim3-convert-") as tmp:
        work = Path(tmp)
        if aim_python:
            check_python(aim_python)
            python = aim_python
        else:
            python = make_environment(work / "env", pip_spec(aim3_version(folder)))
        copy = work / "repo"
        shutil.copytree(folder / ".aim", copy / ".aim", ignore=shutil.ignore_patterns("*.sock", "locks"))
        (copy / ".aim" / "locks").mkdir()
        _run(
            [_aim_program(python), "storage", "--repo", str(copy), "reindex", "-y"],
            "indexing a copy of the Aim repository",
        )
        exported = work / "runs.jsonl"
        done = subprocess.run(
            [python, str(EXPORTER), str(copy), str(exported)], capture_output=True, text=True
        )
        if done.returncode == EXIT_ACTIVE:
            active = done.stderr.strip().splitlines()[-1]
            raise AimError(
                f"runs of the Aim repository at {folder} are still being written ({active}): "
                "nothing was imported"
            )
        if done.returncode != 0:
            tail = " / ".join(done.stderr.strip().splitlines()[-3:])
            raise AimError(f"Aim could not read the repository at {folder}: {tail}")
        builders = list(read_export(exported))
        archive = work / "runs.aimrun"
        write_archive(
            archive,
            ((b.run_hash, b.parts()) for b in builders),
            [b.run_hash for b in builders],
            f"aim-tracker {aim.__version__} (from Aim 3)",
        )
        verify(archive)
        imported, skipped = import_archive(repo, archive)
    return len(imported), len(skipped)
