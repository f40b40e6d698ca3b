"""Tracked objects end to end through a real daemon: images, distributions, texts and audios
tracked, closed, listed, read back record by record and blob by blob."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import numpy as np
import psutil
import pytest

from aim import Repo, Run
from aim._transport.channel import Target
from aim._transport.client import Client, client_for
from aim._transport.launcher import address_of
from aim.errors import MissingRunError, SequenceTypeError, TrackingError
from aim.objects import Audio, Distribution, Image, Text
from aimd.storage.reader import Reader
from aimd.storage.store import Store
from aimproto.v1 import common_pb2, tracking_pb2, tracking_pb2_grpc
from tests.helpers import ROOT, daemon_pid, release_repo, run_python, stop_daemon, wait_exited

CLASSES = {"image": Image, "distribution": Distribution, "text": Text, "audio": Audio}


def _client(repo: Path) -> Client:
    return client_for(Target(str(repo)))


def read_back(repo: Path, run_hash: str, name: str, context: str = "{}") -> tuple[dict, list[list]]:
    """(read_objects' reply, the objects of each step rebuilt with _from_record)."""
    client = _client(repo)
    found = client.read_objects(run_hash, name, context)
    shas = [sha for records in found["records"] for _, _, sha in records]
    blobs = dict(zip(shas, client.get_blobs(shas), strict=True))
    objects = [
        [CLASSES[kind]._from_record(meta, blobs[sha]) for kind, meta, sha in records]
        for records in found["records"]
    ]
    return found, objects


def pixels(image: Image) -> np.ndarray:
    return np.asarray(image.to_pil_image())


def stored_blobs(repo: Path) -> list[tuple[bytes, int]]:
    """(sha256, size) of every complete blob in the repository's store (its daemon stopped)."""
    store = Store(repo / ".aim" / "db")
    try:
        return list(Reader(store).blobs())
    finally:
        store.close()


def test_every_kind_reads_back_as_tracked(repo):
    """1. track each kind, single and list sequences, with epochs; 2. close; 3. list the
    sequences; 4. read each one back: steps, epochs, records, and objects equal to the tracked."""
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (16, 24, 3), dtype=np.uint8)
    gray = rng.integers(0, 256, (8, 8), dtype=np.uint8)
    samples = rng.standard_normal(1000)
    wave = (np.sin(np.arange(800) / 10) * 0.5).astype(np.float32)
    run = Run(repo=str(repo), system_tracking_interval=None)
    for step in range(3):
        run.track(Image(rgb, caption=f"rgb {step}"), name="images", step=step, epoch=1)
        run.track([Image(rgb), Image(gray, caption="g")], name="image lists", step=step)
        run.track(Distribution(samples + step), name="weights", step=step, context={"layer": 1})
        run.track(Text(f"step {step} é"), name="texts", step=step)
        run.track([Text("a"), Text("b"), Text("c")], name="text lists", step=step)
        run.track(Audio(wave, rate=8000, caption="hum"), name="audio", step=step)
        run.track([Audio(wave, rate=8000)], name="audio lists", step=step)
    run.close()

    listed = {s["name"]: s for s in _client(repo).list_sequences(run.hash)}
    assert {name: s["dtype"] for name, s in listed.items()} == {
        "images": "aim.image",
        "image lists": "list(aim.image)",
        "weights": "aim.distribution",
        "texts": "aim.text",
        "text lists": "list(aim.text)",
        "audio": "aim.audio",
        "audio lists": "list(aim.audio)",
    }
    assert all((s["count"], s["first_step"], s["last_step"]) == (3, 0, 2) for s in listed.values())

    found, images = read_back(repo, run.hash, "images")
    np.testing.assert_array_equal(found["steps"], [0, 1, 2])
    np.testing.assert_array_equal(found["epochs"], [1, 1, 1])
    assert [r[0][1]["caption"] for r in found["records"]] == ["rgb 0", "rgb 1", "rgb 2"]
    assert all(len(step) == 1 and np.array_equal(pixels(step[0]), rgb) for step in images)

    _, lists = read_back(repo, run.hash, "image lists")
    for first, second in lists:
        assert np.array_equal(pixels(first), rgb) and np.array_equal(pixels(second), gray)
        assert second.caption == "g"

    found, dists = read_back(repo, run.hash, "weights", '{"layer":1}')
    assert np.isnan(found["epochs"]).all()
    assert [d[0] for d in dists] == [Distribution(samples + step) for step in range(3)]

    _, texts = read_back(repo, run.hash, "texts")
    assert [t[0].data for t in texts] == ["step 0 é", "step 1 é", "step 2 é"]
    _, text_lists = read_back(repo, run.hash, "text lists")
    assert [[t.data for t in step] for step in text_lists] == [["a", "b", "c"]] * 3

    _, audios = read_back(repo, run.hash, "audio")
    assert all(a[0] == Audio(wave, rate=8000) and a[0].caption == "hum" for a in audios)
    _, audio_lists = read_back(repo, run.hash, "audio lists")
    np.testing.assert_array_equal(audio_lists[0][0].to_numpy(), Audio(wave, rate=8000).to_numpy())


def test_the_caller_may_reuse_its_array_list_and_captions_right_after_track(repo):
    """1. track an image of an array, a list, and a captioned image; 2. at once overwrite the
    array, clear the list, change the caption; 3. what was tracked is what reads back."""
    array = np.zeros((8, 8, 3), np.uint8)
    run = Run(repo=str(repo))
    image = Image(array, caption="before")
    batch = [Image(array), Image(array)]
    run.track(image, name="img")
    run.track(batch, name="imgs")
    array[:] = 255
    image.caption = "after"
    batch.clear()
    run.track(Image(array), name="img")
    run.close()
    found, images = read_back(repo, run.hash, "img")
    assert found["records"][0][0][1]["caption"] == "before"
    assert pixels(images[0][0]).max() == 0 and pixels(images[1][0]).min() == 255
    _, lists = read_back(repo, run.hash, "imgs")
    assert len(lists[0]) == 2 and all(pixels(i).max() == 0 for i in lists[0])


def test_the_same_image_tracked_100_times_is_stored_once(repo):
    """1. one process tracks an image 100 times, another process the same pixels into another
    run; 2. every record names one blob; 3. the stopped store holds exactly that one blob."""
    image = Image(np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8))
    run = Run(repo=str(repo))
    for step in range(100):
        run.track(image, name="same", step=step)
    run.close()
    run_python(
        f"""
        import numpy as np
        from aim import Run
        from aim.objects import Image
        pixels = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
        with Run(repo={str(repo)!r}) as other:
            other.track(Image(pixels), name="same")
        """
    )
    found, _ = read_back(repo, run.hash, "same")
    assert len({sha for ((_, _, sha),) in found["records"]}) == 1
    stop_daemon(repo)
    ((sha, size),) = stored_blobs(repo)
    assert sha.hex() == found["records"][0][0][2] and size == len(image._record()[1])


def test_listing_and_reading_records_never_touch_blobs(repo):
    """1. track images; 2. stop the daemon and delete every blob key from the store; 3. listing
    and read_objects still answer in full; only get_blob misses."""
    run = Run(repo=str(repo), system_tracking_interval=None)
    for step in range(5):
        run.track(Image(np.full((4, 4), step, np.uint8)), name="img", step=step)
    run.close()
    stop_daemon(repo)
    store = Store(repo / ".aim" / "db")
    try:
        store.write({}, set(store.scan_keys(b"O")))
    finally:
        store.close()
    client = _client(repo)
    (info,) = client.list_sequences(run.hash)
    assert (info["dtype"], info["count"], info["last_step"]) == ("aim.image", 5, 4)
    found = client.read_objects(run.hash, "img", "{}")
    assert [r[0][1]["width"] for r in found["records"]] == [4] * 5
    with pytest.raises(MissingRunError, match="blob"):
        client.get_blob(found["records"][0][0][2])


@pytest.fixture
def small_cap_repo(repo: Path):
    """A repository served by a daemon whose messages are capped at 4 MiB (started by hand:
    `aimd` has no flag for it), stopped by PID afterwards."""
    code = (
        "import asyncio, sys; from pathlib import Path; from aimd.config import Config; "
        "from aimd.server import Daemon; "
        "asyncio.run(Daemon(Config(repo=Path(sys.argv[1]), max_message_bytes=4 * 2**20)).serve())"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(repo)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while address_of(repo) is None or not (repo / ".aim" / "aimd.sock").exists():
        assert proc.poll() is None, "the daemon exited"
        assert time.monotonic() < deadline, "the daemon did not announce itself"
        time.sleep(0.01)
    yield repo
    release_repo(repo)
    proc.wait(30)


def test_an_image_larger_than_the_message_cap_goes_both_ways(small_cap_repo):
    """1. a daemon capped at 4 MiB; 2. track a 1300x1300 random image (PNG ~5 MB) and a small
    one; 3. both read back pixel for pixel through chunked streams."""
    repo = small_cap_repo
    big = np.random.default_rng(2).integers(0, 256, (1300, 1300, 3), dtype=np.uint8)
    small = np.zeros((2, 2), np.uint8)
    run = Run(repo=str(repo))
    assert _client(repo).max_message_bytes == 4 * 2**20
    run.track(Image(big), name="big")
    run.track([Image(small), Image(big)], name="both")
    run.close()
    found, images = read_back(repo, run.hash, "big")
    assert len(_client(repo).get_blob(found["records"][0][0][2])) > 4 * 2**20
    assert np.array_equal(pixels(images[0][0]), big)
    _, (lists,) = read_back(repo, run.hash, "both")
    assert np.array_equal(pixels(lists[0]), small) and np.array_equal(pixels(lists[1]), big)


def test_images_and_numbers_do_not_mix_and_bad_values_fail_in_the_callers_thread(repo):
    """Each mistake raises at track() (nothing reaches the daemon); close() then succeeds and
    the sequences hold only the good points."""
    run = Run(repo=str(repo), system_tracking_interval=None)
    image = Image(np.zeros((2, 2), np.uint8))
    run.track(image, name="img")
    run.track(1.0, name="loss")
    run.track([image], name="imgs")
    run.track(Text("x"), name="texts")
    cases = [
        (SequenceTypeError, "holds aim.image", lambda: run.track(0.5, name="img")),
        (SequenceTypeError, "only numbers", lambda: run.track(image, name="loss")),
        (SequenceTypeError, "track \\[image\\]", lambda: run.track(image, name="imgs")),
        (SequenceTypeError, "holds aim.image", lambda: run.track([image], name="img")),
        (SequenceTypeError, "holds aim.text", lambda: run.track(image, name="texts")),
        (SequenceTypeError, "mixing image", lambda: run.track([image, Text("t")], name="imgs")),
        (SequenceTypeError, "mixing image", lambda: run.track([image, 3], name="new 1")),
        (SequenceTypeError, "cannot track a list as", lambda: run.track([3, image], name="new 2")),
        (SequenceTypeError, "Distributions", lambda: run.track([Distribution([1.0])], name="new 3")),
        (ValueError, "empty list", lambda: run.track([], name="new 4")),
        (ValueError, "empty list", lambda: run.track([], name="imgs")),
    ]
    for error, match, call in cases:
        with pytest.raises(error) as caught:
            call()
        # a clash with a sequence's points has Aim's message, and ours as its cause
        assert re.search(match, f"{caught.value} (cause: {caught.value.__cause__})"), caught.value
    assert issubclass(SequenceTypeError, TypeError) and issubclass(SequenceTypeError, ValueError)
    run.close()  # nothing half-written: no refused batch to report
    counts = {s["name"]: s["count"] for s in _client(repo).list_sequences(run.hash)}
    assert counts == {"img": 1, "loss": 1, "imgs": 1, "texts": 1}


def test_resume_continues_steps_and_keeps_the_dtype(repo):
    run = Run(repo=str(repo))
    for _ in range(3):
        run.track(Text("x"), name="log")
    run.close()
    again = Run(run.hash, repo=str(repo))
    again.track(Text("y"), name="log")
    with pytest.raises(SequenceTypeError, match="Incompatible data types") as caught:
        again.track(1, name="log")
    assert "holds aim.text" in str(caught.value.__cause__)
    again.close()
    found, texts = read_back(repo, run.hash, "log")
    assert found["steps"].tolist() == [0, 1, 2, 3] and texts[3][0].data == "y"


def test_the_same_step_twice_keeps_the_last_and_counts_once(repo):
    run = Run(repo=str(repo), system_tracking_interval=None)
    run.track(Text("first"), name="t", step=5)
    run.track(Text("second"), name="t", step=5)
    run.close()
    run2 = Run(run.hash, repo=str(repo), system_tracking_interval=None)
    run2.track(Text("third"), name="t", step=5)
    run2.close()
    (info,) = _client(repo).list_sequences(run.hash)
    assert (info["count"], info["first_step"], info["last_step"]) == (1, 5, 5)
    assert read_back(repo, run.hash, "t")[1] == [[Text("third")]]


class BrokenImage:
    """An object whose encoding fails on the sender's thread."""

    KIND = "image"
    caption = ""

    def _record(self):
        raise RuntimeError("cannot encode this")


def test_an_object_that_fails_to_encode_is_reported_at_close(repo):
    run = Run(repo=str(repo))
    run.track(Image(np.zeros((2, 2), np.uint8)), name="img", step=0)
    run.track(BrokenImage(), name="img", step=1)
    run.track(Image(np.ones((2, 2), np.uint8)), name="img", step=2)
    with pytest.raises(TrackingError, match="cannot encode this"):
        run.close()
    assert _client(repo).read_objects(run.hash, "img", "{}")["steps"].tolist() == [0, 2]


def test_deleting_a_run_deletes_its_objects_and_keeps_shared_blobs(repo):
    image = Image(np.zeros((3, 3), np.uint8))
    kept, deleted = Run(repo=str(repo)), Run(repo=str(repo))
    kept.track(image, name="img")
    deleted.track(image, name="img")
    kept.close()
    deleted.close()
    client = _client(repo)
    client.delete_run(deleted.hash)
    with pytest.raises(MissingRunError):
        client.read_objects(deleted.hash, "img", "{}")
    _, (step,) = read_back(repo, kept.hash, "img")
    assert step == [image]


def test_kill_9_mid_stream_then_close_delivers_every_image(repo):
    """1. track images, some acknowledged; 2. kill -9 the daemon; 3. track more; 4. close()
    restarts the daemon and replays what was not acknowledged: every image, exactly once."""
    arrays = np.random.default_rng(3).integers(0, 256, (300, 16, 16, 3), dtype=np.uint8)
    run = Run(repo=str(repo))
    for step in range(100):
        run.track(Image(arrays[step]), name="img", step=step)
    run._tracker.flush()
    for step in range(100, 200):
        run.track(Image(arrays[step]), name="img", step=step)
    first = daemon_pid(repo)
    proc = psutil.Process(first)
    proc.send_signal(signal.SIGKILL)
    wait_exited(proc)
    for step in range(200, 300):
        run.track(Image(arrays[step]), name="img", step=step)
    run.close()
    assert daemon_pid(repo) != first
    found, images = read_back(repo, run.hash, "img")
    assert found["steps"].tolist() == list(range(300))
    assert all(np.array_equal(pixels(step[0]), arrays[i]) for i, step in enumerate(images))


def test_the_daemon_refuses_a_point_naming_a_blob_it_does_not_hold(repo):
    """1. a raw client sends a text point whose blob it never sent; 2. the daemon acknowledges the
    batch, naming that sequence as refused (INVALID_ARGUMENT, "is not stored"); 3. nothing of it
    was stored."""
    run = Run(repo=str(repo), system_tracking_interval=None)
    run.track(Text("ok"), name="t")
    run.close()
    point = tracking_pb2.ObjectSeries(
        run_hash=run.hash,
        name="orphan",
        context="{}",
        dtype=common_pb2.DTYPE_TEXT,
        count=1,
        steps=np.zeros(1, "<i8").tobytes(),
        epochs=np.full(1, np.nan).tobytes(),
        timestamps=np.ones(1).tobytes(),
        record_counts=[1],
        metas=["{}"],
        shas=bytes(32),
    )
    requests = [
        tracking_pb2.TrackRequest(hello=tracking_pb2.Hello(client_id="raw-client")),
        tracking_pb2.TrackRequest(batch=tracking_pb2.Batch(seq=1, objects=[point])),
    ]
    with grpc.insecure_channel(address_of(repo)) as channel:
        acks = list(tracking_pb2_grpc.TrackingStub(channel).Track(iter(requests), timeout=30))
    assert [a.durable_seq for a in acks] == [0, 1]
    [part] = acks[1].refused
    assert (part.name, part.code) == ("orphan", grpc.StatusCode.INVALID_ARGUMENT.value[0])
    assert "is not stored" in part.reason
    assert [s["name"] for s in _client(repo).list_sequences(run.hash)] == ["t"]


def test_audio_samples_without_rate_take_aims_default_rate(repo):
    """Audio(samples) with no rate= works as in Aim (22500 samples per second) and reads back
    from the store with that rate and the same samples."""
    samples = np.linspace(-1, 1, 200)
    run = Run(repo=str(repo), system_tracking_interval=None)
    run.track(Audio(samples), name="speech", step=0)
    run.close()
    stored = Repo(str(repo)).get_run(run.hash).get_audio_sequence("speech", {}).values.last()[1]
    assert stored.rate == 22500
    np.testing.assert_array_equal(stored.to_numpy(), Audio(samples, rate=22500).to_numpy())
