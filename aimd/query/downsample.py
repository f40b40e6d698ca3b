"""Min/max downsampling of a numeric sequence's points, streamed block by block.

A sequence of n points asked with a budget of b points is cut into about (b - 2) / 2 buckets of
consecutive points; each bucket keeps its lowest and its highest point (in step order, one point
when they are the same), and the sequence keeps its first and last point. Peaks survive, so a
chart of the reduced series looks like the whole one, and the reply holds at most b points.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from aimd.storage.blocks import Columns

MIN_POINTS = 4  # the smallest budget that keeps the ends and one bucket's min and max


def bucket_width(count: int, max_points: int) -> int:
    """Points per bucket for a sequence of count points reduced to at most max_points."""
    buckets = max((max_points - 2) // 2, 1)
    return max(math.ceil(count / buckets), 1)


def _keep(values: np.ndarray, width: int) -> np.ndarray:
    """Indices (ascending) of each full bucket's min and max in values (len a multiple of width)."""
    rows = values.reshape(-1, width)
    if rows.dtype.kind == "f":  # NaN is neither the min nor the max of a bucket holding numbers
        lows = np.argmin(np.where(np.isnan(rows), np.inf, rows), axis=1)
        highs = np.argmax(np.where(np.isnan(rows), -np.inf, rows), axis=1)
    else:
        lows, highs = np.argmin(rows, axis=1), np.argmax(rows, axis=1)
    base = np.arange(len(rows)) * width
    first, second = np.minimum(lows, highs) + base, np.maximum(lows, highs) + base
    pairs = np.stack([first, second], axis=1).ravel()
    keep = np.ones(len(pairs), bool)
    keep[1::2] = pairs[1::2] != pairs[0::2]  # min and max are one point
    return pairs[keep]


def _take(cols: Columns, idx: np.ndarray) -> Columns:
    return Columns(cols.steps[idx], cols.values[idx], cols.epochs[idx], cols.timestamps[idx])


def min_max(blocks: Iterator[Columns], count: int, max_points: int) -> Iterator[Columns]:
    """The points of blocks (a sequence of about count points, step-ordered) reduced to at most
    about max_points: the first point, each bucket's min and max, and the last point. A sequence
    that fits the budget passes through untouched."""
    if count <= max_points:
        yield from blocks
        return
    width = bucket_width(count, max_points)
    carry: Columns | None = None  # points of the bucket not yet full (from the sequence's start)
    final: Columns | None = None  # the last point seen
    last_step: int | None = None  # the step of the last point yielded
    for block in blocks:
        cols = block if carry is None else Columns.concat([carry, block])
        if not len(cols):
            continue
        final = cols.slice(len(cols) - 1, len(cols))
        full = len(cols) // width * width
        if full:
            idx = _keep(cols.values[:full], width)
            if last_step is None:  # the sequence's first point
                idx = np.union1d([0], idx)
            kept = _take(cols, idx)
            last_step = int(kept.steps[-1])
            yield kept
        carry = cols.slice(full, len(cols))
    if carry is not None and len(carry):  # the last bucket, not full, with the last point
        idx = np.union1d(_keep(carry.values, len(carry)), [len(carry) - 1])
        yield _take(carry, np.union1d([0], idx) if last_step is None else idx)
    elif final is not None and int(final.steps[0]) != last_step:
        yield final
