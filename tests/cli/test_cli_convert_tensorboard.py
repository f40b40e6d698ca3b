"""`aim convert tensorboard`: an event file written with TensorBoard's own writer becomes runs."""

from __future__ import annotations

import io

import numpy as np
import pytest

from aim import Distribution, Image, Repo
from tests.cli.helpers import aim

pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")


def _write_events(folder, first_step: int = 0) -> None:
    from PIL import Image as PILImage
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    png = io.BytesIO()
    PILImage.fromarray(np.full((4, 6, 3), 200, np.uint8)).save(png, format="PNG")
    text_meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text"))
    writer = EventFileWriter(str(folder))
    for step in range(5):
        values = [Summary.Value(tag="loss", simple_value=1.0 / (step + 1))]
        if step == 2:
            image = Summary.Image(height=4, width=6, colorspace=3, encoded_image_string=png.getvalue())
            histo = HistogramProto(min=0.0, max=3.0, num=6, bucket_limit=[1.0, 2.0, 3.0], bucket=[1, 2, 3])
            text = TensorProto(dtype=7, string_val=[b"hello tb"])  # DT_STRING
            values += [
                Summary.Value(tag="sample", image=image),
                Summary.Value(tag="weights", histo=histo),
                Summary.Value(tag="note", metadata=text_meta, tensor=text),
            ]
        writer.add_event(
            Event(wall_time=1000.0 + step, step=first_step + step * 10, summary=Summary(value=values))
        )
    writer.close()


def test_event_files_convert_into_runs_once(repo, tmp_path):
    logdir = tmp_path / "logs"
    for sub in ("train", "eval"):
        (logdir / sub).mkdir(parents=True)
        _write_events(logdir / sub)
    Repo(str(repo), init=True)
    done = aim("convert", "tensorboard", "--logdir", str(logdir), "--repo", str(repo))
    assert done.returncode == 0 and "Converted 2 run(s)" in done.stdout, done.stderr
    runs = {r.name: r for r in Repo(str(repo)).iter_runs()}
    assert set(runs) == {"train", "eval"}
    train = runs["train"]
    loss = next(m for m in train.metrics() if m.name == "loss")
    steps, values = loss.values.sparse_numpy()
    assert steps.tolist() == [0, 10, 20, 30, 40]
    assert np.allclose(values, [1.0, 0.5, 1 / 3, 0.25, 0.2])
    assert loss.timestamps.tolist()[0] == pytest.approx(1000.0)
    client = Repo(str(repo))._client
    kinds = {s["name"]: s["dtype"] for s in client.list_sequences(train.hash)}
    assert kinds == {
        "loss": "float",
        "sample": "aim.image",
        "weights": "aim.distribution",
        "note": "aim.text",
    }
    note = client.read_objects(train.hash, "note", "{}")
    assert note["steps"].tolist() == [20]
    assert client.get_blob(note["records"][0][0][2]) == b"hello tb"
    ((_, meta, sha),) = client.read_objects(train.hash, "weights", "{}")["records"][0]
    weights = Distribution._from_record(meta, client.get_blob(sha))
    assert weights.weights.tolist() == [1, 2, 3] and weights.range == [0.0, 3.0]
    ((_, meta, sha),) = client.read_objects(train.hash, "sample", "{}")["records"][0]
    assert (meta["width"], meta["height"]) == (6, 4)
    pixels = np.asarray(Image._from_record(meta, client.get_blob(sha)).to_pil_image())
    assert pixels.shape == (4, 6, 3) and int(pixels.min()) == 200
    again = aim("convert", "tensorboard", "--logdir", str(logdir), "--repo", str(repo))
    assert again.returncode == 0 and "Converted 0 run(s)" in again.stdout and "skipped" in again.stdout
    assert len(Repo(str(repo)).list_all_runs()) == 2


def test_a_folder_without_event_files_is_a_clear_error(repo, tmp_path):
    Repo(str(repo), init=True)
    (tmp_path / "empty").mkdir()
    done = aim("convert", "tensorboard", "--logdir", str(tmp_path / "empty"), "--repo", str(repo))
    assert done.returncode == 1 and "no TensorBoard event files" in done.stderr
    missing = aim("convert", "tensorboard", "--logdir", str(tmp_path / "absent"), "--repo", str(repo))
    assert missing.returncode == 1 and "is not a folder" in missing.stderr
    assert Repo(str(repo)).list_all_runs() == []


WITHOUT_TENSORBOARD = """
import sys
sys.modules["tensorboard"] = None  # a stand-in for a Python without TensorBoard: importing it fails
from aim.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_without_tensorboard_the_command_says_what_to_install(repo, tmp_path):
    import subprocess
    import sys

    Repo(str(repo), init=True)
    _write_events(tmp_path / "logs" / "one")
    args = ["convert", "tensorboard", "--logdir", str(tmp_path / "logs"), "--repo", str(repo)]
    done = subprocess.run([sys.executable, "-c", WITHOUT_TENSORBOARD, *args], capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert (
        done.stderr.strip()
        == "aim: aim convert tensorboard needs TensorBoard: pip install 'aim-tracker[tensorboard]'"
    )
    assert Repo(str(repo)).list_all_runs() == []


def test_entry_folders_group_into_their_run_unless_flat(repo, tmp_path):
    logdir = tmp_path / "logs"
    for sub in ("exp/run1/train", "exp/run1/validation", "exp/run2/train"):
        (logdir / sub).mkdir(parents=True)
        _write_events(logdir / sub)
    Repo(str(repo), init=True)
    done = aim("convert", "tensorboard", "--logdir", str(logdir), "--repo", str(repo))
    assert done.returncode == 0 and "Converted 2 run(s)" in done.stdout, done.stderr
    runs = {r.name: r for r in Repo(str(repo)).iter_runs()}
    assert set(runs) == {"exp/run1", "exp/run2"}
    losses = {m.context.to_dict()["entry"] for m in runs["exp/run1"].metrics() if m.name == "loss"}
    assert losses == {"train", "validation"}
    steps, _ = runs["exp/run1"].get_metric("loss", {"entry": "validation"}).values.sparse_numpy()
    assert steps.tolist() == [0, 10, 20, 30, 40]

    flat = aim("convert", "tf", "--logdir", str(logdir), "--flat", "--repo", str(repo))
    assert flat.returncode == 0 and "Converted 3 run(s)" in flat.stdout, flat.stderr
    assert "older name" in flat.stderr
    names = {r.name for r in Repo(str(repo)).iter_runs()}
    assert names == {"exp/run1", "exp/run2", "exp/run1/train", "exp/run1/validation", "exp/run2/train"}


def test_no_cache_converts_again_replacing_the_earlier_runs(repo, tmp_path):
    logdir = tmp_path / "logs"
    (logdir / "run").mkdir(parents=True)
    _write_events(logdir / "run")
    Repo(str(repo), init=True)
    assert aim("convert", "tensorboard", "--logdir", str(logdir), "--repo", str(repo)).returncode == 0
    _write_events(logdir / "run", first_step=100)  # a second event file: later steps
    skipped = aim("convert", "tensorboard", "--logdir", str(logdir), "--repo", str(repo))
    assert "Converted 0 run(s)" in skipped.stdout
    (before,) = Repo(str(repo)).iter_runs()
    assert len(before.get_metric("loss").values.sparse_numpy()[0]) == 5
    fresh = aim("convert", "tensorboard", "--logdir", str(logdir), "--no-cache", "--repo", str(repo))
    assert fresh.returncode == 0 and "Converted 1 run(s)" in fresh.stdout, fresh.stderr
    (after,) = Repo(str(repo)).iter_runs()
    assert after.hash == before.hash
    assert after.get_metric("loss").values.sparse_numpy()[0].tolist()[-2:] == [130, 140]
