"""Aim 3 repositories: detected and left alone; `aim convert aim3` brings their runs over, read by
the real Aim package in a side environment (AIM3_PYTHON, else one made here from PyPI)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from aim import Distribution, Image, Repo, Run
from aim._convert.aim3 import side_env
from tests.cli.helpers import aim

AIM3_RELEASE = "3.29.1"
SIDE_ENV = Path.home() / ".cache" / "aim-tracker-tests" / f"aim-{AIM3_RELEASE}"


@pytest.fixture(scope="module")
def aim3_python() -> str:
    """A Python with the real Aim 3 installed, or a skip saying why there is none."""
    if os.environ.get("AIM3_PYTHON"):
        return os.environ["AIM3_PYTHON"]
    python = SIDE_ENV / "bin" / "python"
    if not (SIDE_ENV / ".ready").exists():
        steps = (
            [sys.executable, "-m", "venv", "--clear", str(SIDE_ENV)],
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"aim=={AIM3_RELEASE}",
            ],
        )
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=900, env=side_env())
            if done.returncode != 0:
                pytest.skip(
                    f"cannot install aim=={AIM3_RELEASE} from PyPI here: {done.stderr.strip()[-300:]}"
                )
        (SIDE_ENV / ".ready").touch()
    return str(python)


def _aim3_repo(python: str, folder: Path) -> str:
    """A repository written by real Aim: params, tags, metrics, images, a distribution, a text."""
    code = f"""
        import numpy as np
        from aim import Run, Image, Distribution, Text
        run = Run(repo={str(folder)!r}, experiment="old", system_tracking_interval=None)
        run["hparams"] = {{"lr": 0.01, "layers": [3, 4]}}
        run.add_tag("legacy")
        run.name = "from aim 3"
        for step in range(300):
            run.track(step * 0.25, name="loss", step=step, epoch=step // 100, context={{"subset": "train"}})
        run.track([Image(np.full((4, 4, 3), 10 * k, np.uint8), caption=f"c{{k}}") for k in range(2)],
                  name="samples", step=5)
        run.track(Distribution(hist=[1, 2, 3], bin_range=(0, 3)), name="weights", step=1)
        run.track(Text("hello aim 3"), name="notes", step=2)
        run.close()
        print(run.hash)
    """
    env = side_env()  # and a neutral cwd: a folder holding aim-tracker's `aim` would shadow Aim
    init = [str(Path(python).with_name("aim")), "init", "--repo", str(folder)]
    made = subprocess.run(init, capture_output=True, text=True, cwd=folder, env=env)
    assert made.returncode == 0, made.stdout + made.stderr
    done = subprocess.run(
        [python, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=folder, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-1]


def _files(folder: Path) -> dict[str, int]:
    aim_dir = folder / ".aim"
    return {str(p.relative_to(aim_dir)): p.stat().st_mtime_ns for p in aim_dir.rglob("*") if p.is_file()}


@pytest.mark.frameworks  # the heavy invocation: the first run installs Aim from PyPI (minutes)
@pytest.mark.timeout(1200)
def test_an_aim3_repository_converts_with_every_kind_of_data(aim3_python, tmp_path, dest):
    source = tmp_path / "aim3"
    source.mkdir()
    run_hash = _aim3_repo(aim3_python, source)
    before = _files(source)
    Repo(str(dest), init=True)
    done = aim("convert", "aim3", "--from", str(source), "--aim-python", aim3_python, "--repo", str(dest))
    assert done.returncode == 0 and "Converted 1 run(s)" in done.stdout, done.stderr
    assert _files(source) == before  # Aim's files are read from a copy
    run = Repo(str(dest)).get_run(run_hash)
    assert (run.name, run.experiment, run.tags, run.active) == ("from aim 3", "old", ["legacy"], False)
    assert run["hparams"] == {"lr": 0.01, "layers": [3, 4]}
    loss = run.get_metric("loss", {"subset": "train"})
    steps, values = loss.values.sparse_numpy()
    assert steps.tolist() == list(range(300)) and np.allclose(values, np.arange(300) * 0.25)
    assert loss.epochs.tolist()[:3] == [0, 0, 0] and loss.epochs.tolist()[-1] == 2
    client = Repo(str(dest))._client
    kinds = {s["name"]: s["dtype"] for s in client.list_sequences(run_hash)}
    assert {k: kinds[k] for k in ("samples", "weights", "notes")} == {
        "samples": "list(aim.image)",
        "weights": "aim.distribution",
        "notes": "aim.text",
    }
    samples = client.read_objects(run_hash, "samples", "{}")
    assert samples["steps"].tolist() == [5]
    (_, meta0, sha0), (_, meta1, sha1) = samples["records"][0]
    assert (meta0["caption"], meta1["caption"]) == ("c0", "c1")
    pixels = np.asarray(Image._from_record(meta1, client.get_blob(sha1)).to_pil_image())
    assert pixels.shape == (4, 4, 3) and int(pixels.max()) == 10
    ((_, meta, sha),) = client.read_objects(run_hash, "weights", "{}")["records"][0]
    assert Distribution._from_record(meta, client.get_blob(sha)).weights.tolist() == [1, 2, 3]
    ((_, meta, sha),) = client.read_objects(run_hash, "notes", "{}")["records"][0]
    assert client.get_blob(sha) == b"hello aim 3"
    again = aim("convert", "aim3", "--from", str(source), "--aim-python", aim3_python, "--repo", str(dest))
    assert again.returncode == 0 and "Converted 0 run(s)" in again.stdout
    assert Repo(str(dest)).list_all_runs() == [run_hash]


def test_an_aim3_repository_is_detected_and_left_alone(tmp_path):
    folder = tmp_path / "old"
    (folder / ".aim" / "meta").mkdir(parents=True)
    (folder / ".aim" / "run_metadata.sqlite").write_bytes(b"SQLite format 3\x00")
    before = _files(folder)
    try:
        with pytest.warns(UserWarning, match="holds an Aim 3 repository.*aim convert aim3"):
            run = Run(repo=str(folder))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # once per folder
            Repo(str(folder))
        run.track(1.0, name="x")
        run.close()
        assert Repo(str(folder)).list_all_runs() == [run.hash]
        kept = _files(folder)
        assert {name: kept[name] for name in before} == before
    finally:
        from tests.helpers import release_repo

        release_repo(folder)


def test_bad_aim3_sources_are_clear_errors(tmp_path, dest):
    Repo(str(dest), init=True)
    plain = aim("convert", "aim3", "--from", str(tmp_path), "--repo", str(dest))
    assert plain.returncode == 1 and "no Aim 3 repository" in plain.stderr
    busy = tmp_path / "busy"
    (busy / ".aim" / "locks").mkdir(parents=True)
    (busy / ".aim" / "run_metadata.sqlite").write_bytes(b"")
    (busy / ".aim" / "locks" / "abc.softlock").write_text("")
    written = aim("convert", "aim3", "--from", str(busy), "--repo", str(dest))
    assert written.returncode == 1 and "being written to" in written.stderr
    (busy / ".aim" / "locks" / "abc.softlock").unlink()
    (busy / ".aim" / "VERSION").write_text("3.999.0")
    unknown = aim("convert", "aim3", "--from", str(busy), "--repo", str(dest))
    assert unknown.returncode == 1 and "installing aim==3.999.0" in unknown.stderr, unknown.stderr
    bad_python = aim(
        "convert", "aim3", "--from", str(busy), "--aim-python", sys.executable, "--repo", str(dest)
    )
    assert bad_python.returncode == 1 and "importing Aim with" in bad_python.stderr
    assert Repo(str(dest)).list_all_runs() == []
