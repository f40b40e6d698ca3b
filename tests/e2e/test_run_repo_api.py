"""The rest of Aim's Run and Repo API: set/get, duration, props that persist, run_exists,
list_active_runs, delete_experiment, prune, and Aim's other spellings."""

from __future__ import annotations

import numpy as np
import pytest

from aim import Image, Repo, Run
from aim.errors import MissingExperimentError, RepoError, RequestRejected
from tests.helpers import quiet_run, run_python


class Opaque:
    def __repr__(self) -> str:
        return "<opaque>"


def test_set_and_get_as_in_aim(repo):
    run = quiet_run(repo)
    run.set("hparams", {"lr": 0.1, "obj": Opaque()}, strict=False)
    run.set(("hparams", "bs"), 32)
    assert run.get("hparams") == {"lr": 0.1, "obj": "<opaque>", "bs": 32}
    assert run.get(("hparams", "nope"), default=7, strict=False, resolve_objects=True) == 7
    with pytest.raises(TypeError, match="hparams.obj"):
        run.set("hparams", {"lr": 0.2, "obj": Opaque()})
    with pytest.raises(TypeError, match="params key"):
        run.set(3, 1)
    with pytest.raises(ValueError, match="param key"):
        run.set(("a", ""), 1)
    assert Repo(str(repo)).get_run(run.hash)["hparams", "lr"] == 0.1  # nothing half-set
    run.close()


def test_duration_and_props_that_persist(repo):
    run = quiet_run(repo)
    assert run.duration >= 0
    props = run.props
    props.name = "named"
    props.archived = True
    props.add_tag("t")
    assert props.name == "named" and props["tags"] == ["t"]
    with pytest.raises(AttributeError, match="hash"):
        props.hash = "x"
    run.close()
    stored = Repo(str(repo)).get_run(run.hash)
    assert (stored.name, stored.archived, stored.tags) == ("named", True, ["t"])
    assert stored.duration == pytest.approx(stored.end_time - stored.creation_time)


def test_repo_spellings_and_run_listing(repo, monkeypatch):
    r = Repo(str(repo), None, True)  # Repo(path, read_only, init) positionally
    active = quiet_run(repo)
    done = quiet_run(repo)
    done.close()
    assert r.run_exists(done.hash) and not r.run_exists("feedface")
    assert r.list_active_runs() == [active.hash]
    assert r.get_run(hashname=done.hash).hash == done.hash
    assert not r.is_remote_repo and Repo.get_version(str(repo)) == (1, 0)
    assert Repo.get_version(str(repo / "none")) == (0, 0)
    monkeypatch.chdir(repo)
    assert Repo.default_repo_path() == str(repo)
    r.close()
    active.close()


def test_delete_experiment_is_all_or_nothing(repo):
    r = Repo(str(repo), init=True)
    keep = quiet_run(repo, experiment="keep")
    keep.close()
    gone = []
    for _ in range(2):
        with Run(
            repo=str(repo), experiment="gone", system_tracking_interval=None, capture_terminal_logs=False
        ) as run:
            run.track(1.0, name="x")
        gone.append(run.hash)
    tracked = Run(
        repo=str(repo), experiment="busy", system_tracking_interval=None, capture_terminal_logs=False
    )
    idle = quiet_run(repo, experiment="busy")
    idle.close()
    with pytest.raises(MissingExperimentError, match="nope"):
        r.delete_experiment("nope")
    with pytest.raises(RequestRejected, match="busy"):
        r.delete_experiment("busy")
    assert r.run_exists(idle.hash)  # nothing half-deleted
    with pytest.raises(RepoError, match="read-only"):
        Repo(str(repo), read_only=True).delete_experiment("gone")
    assert r.delete_experiment("gone") is True
    assert sorted(r.list_all_runs()) == sorted([keep.hash, tracked.hash, idle.hash])
    tracked.close()


def _image(seed: int) -> Image:
    return Image(np.random.default_rng(seed).integers(0, 255, (8, 8, 3), dtype=np.uint8))


def test_prune_removes_blobs_no_run_names_and_keeps_claimed_ones(repo):
    r = Repo(str(repo), init=True)
    with quiet_run(repo) as shared_run:
        shared_run.track(_image(1), name="img", step=0)
    doomed = run_python(  # another process: its claims end with it
        f"""
        import numpy as np
        from aim import Image, Run
        with Run(repo={str(repo)!r}, system_tracking_interval=None, capture_terminal_logs=False) as run:
            for step, seed in enumerate((1, 2)):
                pixels = np.random.default_rng(seed).integers(0, 255, (8, 8, 3), dtype=np.uint8)
                run.track(Image(pixels), name="img", step=step)
        print(run.hash)
        """
    ).stdout.strip()
    r.delete_run(doomed)
    tracker = quiet_run(repo)
    tracker.track(_image(3), name="img", step=0)
    tracker.track(_image(4), name="img", step=0)  # overwrites step 0: image 3 is named no more
    assert r.get_run(tracker.hash).get_image_sequence("img").values.first()  # settles the points
    removed = r.prune()
    # image 2 went with its run; image 3 is named by no point but this process may name it again
    assert (removed["blobs"], removed["blobs_claimed"]) == (1, 1) and removed["blob_bytes"] > 0
    tracker.track(_image(3), name="img", step=1)  # named again without its bytes: still there
    tracker.close()
    pixels = [
        img.to_pil_image().getpixel((0, 0))
        for img in r.get_run(tracker.hash).get_image_sequence("img").values.values_list()
    ]
    assert len(pixels) == 2
    assert r.get_run(shared_run.hash).get_image_sequence("img").values.first()[1].to_pil_image()
    assert r.prune()["blobs"] == 0
    with pytest.raises(RepoError, match="read-only"):
        Repo(str(repo), read_only=True).prune()
