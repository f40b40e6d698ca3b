"""TensorBoard event files into runs: one run per folder holding event files.

Reading is TensorBoard's own (its EventAccumulator: the maintained reader of the format, from the
optional extra `aim-tracker[tensorboard]`). Scalars become metrics, images image sequences,
histograms distributions and text plugin summaries texts, each under its tag, with TensorBoard's
steps and wall times. Runs are grouped as Aim groups them: LOGDIR/RUN/events is run RUN, and
LOGDIR/.../RUN/ENTRY/events is an entry of run RUN (context {'entry': ENTRY}); flat, every folder
of event files is a run. A run's hash comes from its folder's absolute path, so converting a logdir
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
        raise AimError(EXTRA_HINT) from None
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


def _add_events(builder: RunBuilder, acc: Any, context: dict | None) -> None:
    """The scalars, images, histograms and texts of one folder's events, under context."""
    tags = acc.Tags()
    for tag in tags.get("scalars", []):
        events = acc.Scalars(tag)
        builder.metric(
            tag,
            context,
            [e.step for e in events],
            [e.value for e in events],
            None,
            [e.wall_time for e in events],
        )
    for tag in tags.get("images", []):
        points = [(e.step, None, e.wall_time, _image(e.encoded_image_string)) for e in acc.Images(tag)]
        builder.objects(tag, context, points)
    for tag in tags.get("histograms", []):
        points = [(e.step, None, e.wall_time, _distribution(e.histogram_value)) for e in acc.Histograms(tag)]
        builder.objects(tag, context, points)
    for tag in tags.get("tensors", []):
        plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
        events = acc.Tensors(tag)
        if plugin == "text":
            points = [(e.step, None, e.wall_time, _text(e.tensor_proto)) for e in events]
            builder.objects(tag, context, points)
        elif plugin == "scalars":
            from tensorboard.util import tensor_util

            values = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]
            stamps = [e.wall_time for e in events]
            builder.metric(tag, context, [e.step for e in events], values, None, stamps)


def _first_event(acc: Any) -> float | None:
    try:
        return acc.FirstEventTimestamp()
    except ValueError:  # event files without events
        return None


def run_of(run_folder: Path, logdir: Path, entries: list[tuple[Path, str | None]]) -> RunBuilder:
    """The run of run_folder: the events of each (folder, entry), those of an entry under the
    context {'entry': entry}."""
    name = str(run_folder.relative_to(logdir)) if run_folder != logdir else run_folder.name
    accumulators = [(_accumulator(folder), entry) for folder, entry in entries]
    starts = [t for t in (_first_event(acc) for acc, _ in accumulators) if t is not None]
    builder = RunBuilder(
        stable_hash("tensorboard", str(run_folder.resolve())),
        name=name,
        experiment=logdir.name,
        params={"tensorboard": {"logdir": str(logdir.resolve()), "folder": name}},
        creation_time=min(starts) if starts else None,
    )
    for acc, entry in accumulators:
        _add_events(builder, acc, None if entry is None else {"entry": entry})
    return builder


def run_folders(logdir: Path, *, flat: bool = False) -> dict[Path, list[tuple[Path, str | None]]]:
    """Run folder -> its (event folder, entry) pairs, as Aim groups them: flat, each event folder is
    a run; else an event folder two or more levels below logdir is an entry of its parent's run."""
    folders = event_folders(logdir)
    deep = {f for f in folders if not flat and len(f.relative_to(logdir).parts) >= 2}
    parents = {f.parent for f in deep}
    grouped: dict[Path, list[tuple[Path, str | None]]] = {}
    for folder in folders:
        if folder in deep and folder not in parents:
            grouped.setdefault(folder.parent, []).append((folder, folder.name))
        else:  # a run folder itself (its own events have no entry)
            grouped.setdefault(folder, []).append((folder, None))
    return grouped


def runs(logdir: str | os.PathLike[str], *, flat: bool = False) -> Iterator[RunBuilder]:
    """A RunBuilder per run folder under logdir (see run_folders)."""
    root = Path(logdir)
    for run_folder, entries in run_folders(root, flat=flat).items():
        yield run_of(run_folder, root, entries)
