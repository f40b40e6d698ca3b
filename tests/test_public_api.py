"""The public face: names pinned, Aim's import paths, and an `import aim` that loads nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys

import aim


def test_public_names_are_pinned():
    assert sorted(aim.__all__) == sorted(
        ["Audio", "Audios", "Distribution", "Distributions", "Figure", "Figures", "Image", "Images"]
        + ["Metric", "Repo", "Run", "Sequence", "Text", "Texts", "errors"]
    )
    for name in aim.__all__:
        assert hasattr(aim, name)
    assert aim.Run.__module__ == "aim"  # tracebacks name aim.Run, not the private module


def test_aims_documented_import_paths_work():
    from aim.sdk.errors import MissingRunError
    from aim.sdk.metric import Metric
    from aim.sdk.repo import Repo
    from aim.sdk.run import Run
    from aim.sdk.sequence import Sequence

    assert (Run, Repo, Metric, Sequence) == (aim.Run, aim.Repo, aim.Metric, aim.Sequence)

    from aim.sdk.audio_sequence import Audios
    from aim.sdk.distribution_sequence import Distributions
    from aim.sdk.image_sequence import Images
    from aim.sdk.objects.audio import Audio
    from aim.sdk.objects.distribution import Distribution
    from aim.sdk.objects.image import Image
    from aim.sdk.objects.text import Text
    from aim.sdk.text_sequence import Texts

    assert (Image, Distribution, Text, Audio) == (aim.Image, aim.Distribution, aim.Text, aim.Audio)
    assert (Images, Distributions, Texts, Audios) == (aim.Images, aim.Distributions, aim.Texts, aim.Audios)
    assert issubclass(MissingRunError, aim.errors.AimError) and issubclass(MissingRunError, LookupError)


def test_import_aim_loads_no_grpc_plyvel_pil_or_numpy_and_starts_nothing():
    code = "import sys, json, aim; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(json.loads(done.stdout))
    assert not {"grpc", "plyvel", "PIL", "numpy", "aimd", "aimproto.v1", "google.protobuf", "tqdm"} & modules
    assert not any(m.startswith(("grpc", "aimd.", "aimproto.v1", "google.protobuf")) for m in modules)
    assert not {"psutil", "pynvml"} & modules  # system metrics load them in a tracking Run only
    # the wire contract's plain constants (aimproto.contract) are all of aimproto it may load
    assert {m for m in modules if m.startswith("aimproto")} <= {"aimproto", "aimproto.contract"}
