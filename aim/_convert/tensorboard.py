"""TensorBoard event files into runs: one run per folder holding event files.

Reading is TensorBoard's own (its EventAccumulator: the maintained reader of the format, from the
optional extra `aim-tracker[tensorboard]`). Scalars become metrics, images image sequences,
histograms distributions and text plugin summaries texts, each under its tag, with TensorBoard's
steps and wall times. A folder's run hash comes from its absolute path, so converting a logdir
again skips the runs already converted.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aim._convert import RunBuilder, stable_hash
from aim.errors import AimError

EXTRA_HINT = "aim convert tensorboard needs TensorBoard: pip install 'aim-tracker[tensorboard]'"
EVENTS_MARK = "tfevents"


def event_folders(logdir: str | os.PathLike[str]) -> list[Path]:
    """The folders at or under logdir that hold event files, sorted; AimError when there are none."""
    root = Path(logdir)
    if not root.is_dir():
        raise AimError(f"{logdir} is not a folder")
    folders = sorted({Path(d) for d, _, files in os.walk(root) if any(EVENTS_MARK in f for f in files)})
    if not folders:
        raise AimError(f"no TensorBoard event files (*tfevents*) in {logdir}")
    return folders


def _accumulator(folder: Path) -> Any:
    try:
        from tensorboard.backend.event_processing import event_accumulator
    except ImportError:
        raise ImportError(EXTRA_HINT) from None
    sizes = {kind: 0 for kind in ("scalars", "images", "histograms", "tensors", "compressedHistograms")}
    acc = event_accumulator.EventAccumulator(str(folder), size_guidance=sizes)
    acc.Reload()
    return acc


def _image(encoded: bytes) -> Any:
    from PIL import Image as PILImage

    from aim.objects import Image

    with PILImage.open(io.BytesIO(encoded)) as picture:
        return Image(picture.copy())


def _distribution(histo: Any) -> Any:
    """A TensorBoard histogram (bucket limits and counts) as an aim Distribution over its range."""
    from aim.objects import Distribution

    counts = list(histo.bucket) or [0]
    low, high = histo.min, histo.max
    if not high > low:
        low, high = low - 0.5, high + 0.5
    return Distribution(hist=counts, bin_range=(low, high))


def _text(tensor: Any) -> Any:
    from tensorboard.util import tensor_util

    from aim.objects import Text

    array = tensor_util.make_ndarray(tensor)
    items = array.flatten().tolist() if array.shape else [array.item()]
    return Text("\n".join(i.decode("utf-8", "replace") if isinstance(i, bytes) else str(i) for i in items))


def folder_run(folder: Path, logdir: Path) -> RunBuilder:
    """The run of one folder of event files."""
    acc = _accumulator(folder)
    tags = acc.Tags()
    name = str(folder.relative_to(logdir)) if folder != logdir else folder.name
    try:
        started = acc.FirstEventTimestamp()
    except ValueError:  # event files without events
        started = None
    builder = RunBuilder(
        stable_hash("tensorboard", str(folder.resolve())),
        name=name,
        experiment=logdir.name,
        params={"tensorboard": {"logdir": str(logdir.resolve()), "folder": name}},
        creation_time=started,
    )
    for tag in tags.get("scalars", []):
        events = acc.Scalars(tag)
        builder.metric(
            tag,
            None,
            [e.step for e in events],
            [e.value for e in events],
            None,
            [e.wall_time for e in events],
        )
    for tag in tags.get("images", []):
        builder.objects(
            tag, None, [(e.step, None, e.wall_time, _image(e.encoded_image_string)) for e in acc.Images(tag)]
        )
    for tag in tags.get("histograms", []):
        points = [(e.step, None, e.wall_time, _distribution(e.histogram_value)) for e in acc.Histograms(tag)]
        builder.objects(tag, None, points)
    for tag in tags.get("tensors", []):
        plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
        events = acc.Tensors(tag)
        if plugin == "text":
            builder.objects(tag, None, [(e.step, None, e.wall_time, _text(e.tensor_proto)) for e in events])
        elif plugin == "scalars":
            from tensorboard.util import tensor_util

            values = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]
            builder.metric(tag, None, [e.step for e in events], values, None, [e.wall_time for e in events])
    return builder


def runs(logdir: str | os.PathLike[str]) -> Iterator[RunBuilder]:
    """A RunBuilder per folder of event files under logdir."""
    root = Path(logdir)
    for folder in event_folders(root):
        yield folder_run(folder, root)
