"""`aim convert mlflow`: runs written with MLflow's own client into a sqlite store become runs."""

from __future__ import annotations

import io
import math
import wave
from pathlib import Path

import numpy as np
import pytest

from aim import Repo
from tests.cli.helpers import aim

mlflow = pytest.importorskip("mlflow", reason="MLflow is not installed (aim-tracker[mlflow])")

# Each test runs `aim convert mlflow` (a process importing MLflow) a few times: minutes on a busy machine.
pytestmark = [pytest.mark.frameworks, pytest.mark.timeout(900)]
T0 = 1_700_000_000_000  # ms, MLflow's unit


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(np.arange(80, dtype="<i2").tobytes())
    return out.getvalue()


def _png(tmp: Path) -> Path:
    from PIL import Image as PILImage

    path = tmp / "sample.png"
    PILImage.fromarray(np.full((4, 6, 3), 123, np.uint8)).save(path)
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """A sqlite store with two experiments, written by MLflow's client; what was written. The
    tests only read it (making one runs MLflow's migrations: seconds)."""
    from mlflow.tracking import MlflowClient

    tmp_path = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    files = tmp_path / "files"
    (files / "plots").mkdir(parents=True)
    png = _png(files / "plots")
    (files / "notes.txt").write_text("hello mlflow\nsecond line")
    (files / "voice.wav").write_bytes(_wav())
    (files / "model.pkl").write_bytes(b"\x80\x04N.")
    written: dict = {}
    for exp_name, run_names in (("mnist", ["first", "second"]), ("other", ["third"])):
        exp_id = client.create_experiment(exp_name, artifact_location=(tmp_path / exp_name).as_uri())
        for r, run_name in enumerate(run_names):
            run = client.create_run(exp_id, start_time=T0 + r, run_name=run_name, tags={"team": "vision"})
            run_id = run.info.run_id
            client.log_param(run_id, "lr", "0.01")
            client.log_param(run_id, "layers", str(r + 2))
            client.set_tag(run_id, "mlflow.note.content", f"about {run_name}")
            client.set_tag(run_id, "stage", f"s{r}")
            points = {
                "loss": [(s * 10, 1.0 / (s + 1), T0 + 1000 * s) for s in range(5)],
                "acc": [(0, 0.5, T0 + 7), (1, math.nan, T0 + 8), (2, 0.75, T0 + 9)],
            }
            for key, history in points.items():
                for step, value, stamp in history:
                    client.log_metric(run_id, key, value, timestamp=stamp, step=step)
            client.log_artifact(run_id, str(png), "plots")
            for name in ("notes.txt", "voice.wav", "model.pkl"):
                client.log_artifact(run_id, str(files / name))
            client.set_terminated(run_id, end_time=T0 + 60_000)
            written[run_id] = {"name": run_name, "experiment": exp_name, "layers": str(r + 2), **points}
    return uri, written


def _same(stored: list[float], expected: list[float]) -> bool:
    return all((math.isnan(a) and math.isnan(b)) or a == b for a, b in zip(stored, expected, strict=True))


def test_mlflow_runs_convert_with_params_tags_metrics_and_artifacts_once(repo, store):
    uri, written = store
    Repo(str(repo), init=True)
    done = aim("convert", "--repo", str(repo), "mlflow", "--tracking_uri", uri)
    assert done.returncode == 0 and "Converted 3 run(s)" in done.stdout, done.stdout + done.stderr
    assert done.stdout.count("model.pkl skipped") == 3, done.stdout
    runs = {r["mlflow_run_id"]: r for r in Repo(str(repo)).iter_runs()}
    assert set(runs) == set(written)
    for run_id, expected in written.items():
        run = runs[run_id]
        assert run.name == expected["name"] and run["mlflow_run_name"] == expected["name"]
        assert run.experiment == expected["experiment"]
        assert run.description == f"about {expected['name']}"
        assert run["params"] == {"lr": "0.01", "layers": expected["layers"]}
        assert run["tags"] == {"team": "vision", "stage": run["tags"]["stage"]}
        assert run["tags"]["stage"] in ("s0", "s1")
        assert run.creation_time == pytest.approx(T0 / 1000, abs=0.01)
        for key in ("loss", "acc"):
            metric = run.get_metric(key)
            steps, values = metric.values.sparse_numpy()
            assert steps.tolist() == [p[0] for p in expected[key]]
            assert _same(values.tolist(), [p[1] for p in expected[key]])
            assert metric.timestamps.values_list() == pytest.approx([p[2] / 1000 for p in expected[key]])
        (images,) = run.get_image_sequence("plots", {"type": "image"}).values.values_list()
        assert [i.caption for i in images] == ["plots/sample.png"]
        pixels = np.asarray(images[0].to_pil_image())
        assert pixels.shape == (4, 6, 3) and int(pixels.min()) == int(pixels.max()) == 123
        (texts,) = run.get_text_sequence("root", {"type": "text"}).values.values_list()
        assert [t.data for t in texts] == ["hello mlflow\nsecond line"]
        (audios,) = run.get_audio_sequence("root", {"type": "audio"}).values.values_list()
        assert [a.get() for a in audios] == [_wav()] and audios[0].format == "wav"
        names = sorted((m.name, m.context.to_dict()) for m in run.metrics())
        assert names == [("acc", {}), ("loss", {})]

    again = aim("convert", "mlflow", "--tracking_uri", uri, "--repo", str(repo))
    assert again.returncode == 0 and "Converted 0 run(s)" in again.stdout and "(3 skipped)" in again.stdout
    assert len(Repo(str(repo)).list_all_runs()) == 3


def test_one_experiment_by_name_or_id(repo, store):
    uri, _ = store
    Repo(str(repo), init=True)
    done = aim("convert", "mlflow", "--tracking_uri", uri, "-e", "other", "--repo", str(repo))
    assert done.returncode == 0 and "Converted 1 run(s)" in done.stdout, done.stderr
    assert [r.experiment for r in Repo(str(repo)).iter_runs()] == ["other"]
    from mlflow.tracking import MlflowClient

    mnist_id = MlflowClient(tracking_uri=uri).get_experiment_by_name("mnist").experiment_id
    by_id = aim("convert", "mlflow", "--tracking_uri", uri, "--experiment", mnist_id, "--repo", str(repo))
    assert by_id.returncode == 0 and "Converted 2 run(s)" in by_id.stdout, by_id.stderr


def test_bad_tracking_uris_and_experiments_are_one_line_and_write_nothing(repo, store, tmp_path, monkeypatch):
    uri, _ = store
    Repo(str(repo), init=True)
    absent_db = tmp_path / "absent.db"
    cases = [
        (["--tracking_uri", f"sqlite:///{absent_db}"], "does not exist"),
        (["--tracking_uri", str(tmp_path / "no-mlruns")], "does not exist"),
        (["--tracking_uri", "http://127.0.0.1:9"], "cannot open the MLflow tracking store"),
        (["--tracking_uri", uri, "-e", "nope"], "no MLflow experiment with the id or name 'nope'"),
    ]
    for args, message in cases:
        done = aim("convert", "mlflow", *args, "--repo", str(repo))
        assert done.returncode == 1, (args, done.stderr)
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not absent_db.exists() and not (tmp_path / "no-mlruns").exists()
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    unset = aim("convert", "mlflow", "--repo", str(repo))
    assert unset.returncode == 1 and "MLFLOW_TRACKING_URI" in unset.stderr
    assert Repo(str(repo)).list_all_runs() == []
