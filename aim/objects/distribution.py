"""aim.Distribution: a histogram of samples (or a histogram given as it is) to track.

The histogram is the one np.histogram(samples, bin_count) gives (same edges, same counts), computed
by a leaner equivalent of it. numpy is imported when a Distribution is first made, not before.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from aim.objects._record import check_int, is_torch, torch_to_numpy, type_name

if TYPE_CHECKING:
    import numpy as np

MAX_BIN_COUNT = 512
"""The most bins a Distribution has (bin_count is 1..MAX_BIN_COUNT)."""


class Distribution:
    """A histogram: `Distribution(samples, bin_count=64)` bins the samples (any iterable of numbers,
    a numpy array or a torch tensor, flattened) into bin_count equal bins over their (min, max), or
    over `bin_range` when given (samples outside it are left out, as np.histogram does);
    `Distribution(hist=weights, bin_range=(low, high))` takes an existing histogram as it is, and its
    bin count is len(hist). `distribution=` is accepted for `samples`, as Aim names it.

    NaN or inf among the samples is a ValueError. Samples that span too few representable values
    for bin_count distinct bins (np.histogram refuses them) get a range widened around them.
    Two Distributions are equal when their ranges and weights are.
    """

    KIND = "distribution"
    __slots__ = ("_weights", "_range", "_edges")

    def __init__(
        self,
        samples: Any = None,
        bin_count: int = 64,
        *,
        hist: Any = None,
        bin_range: tuple[float, float] | None = None,
        distribution: Any = None,
    ) -> None:
        if distribution is not None:
            if samples is not None:
                raise TypeError("pass samples or distribution, not both")
            samples = distribution
        if (samples is None) == (hist is None):
            raise ValueError("pass exactly one of samples and hist")
        if hist is not None:
            if bin_range is None:
                raise ValueError("a Distribution from hist needs bin_range=(low, high)")
            self._weights = _weights(hist)
            self._range = _check_range(bin_range)
        else:
            n = _check_bin_count(bin_count)
            low_high = None if bin_range is None else _check_range(bin_range)
            self._weights, self._range = _histogram(_samples(samples), n, low_high)
        self._weights.flags.writeable = False
        self._edges: np.ndarray | None = None

    @classmethod
    def from_samples(cls, samples: Any, bin_count: int = 64) -> Distribution:
        return cls(samples, bin_count)

    @classmethod
    def from_histogram(cls, hist: Any, bin_range: tuple[float, float]) -> Distribution:
        return cls(hist=hist, bin_range=bin_range)

    # --- record ----------------------------------------------------------------------------
    def _record(self) -> tuple[dict, bytes]:
        """(meta, payload): meta {bin_count, range: [low, high]}; payload the weights as
        little-endian float64."""
        return {"bin_count": self.bin_count, "range": list(self._range)}, self._weights.astype(
            "<f8"
        ).tobytes()

    @classmethod
    def _from_record(cls, meta: dict, payload: bytes) -> Distribution:
        import numpy as np

        weights = np.frombuffer(payload, dtype="<f8").astype(np.float64)
        if len(weights) != meta["bin_count"]:
            raise ValueError(f"a distribution record of {len(weights)} weights, {meta['bin_count']} expected")
        self = cls.__new__(cls)
        weights.flags.writeable = False
        self._weights, self._edges = weights, None
        low, high = meta["range"]
        self._range = (float(low), float(high))
        return self

    # --- public ----------------------------------------------------------------------------
    @property
    def bin_count(self) -> int:
        return len(self._weights)

    @property
    def range(self) -> list[float]:
        """[low, high]: the left edge of the first bin and the right edge of the last (a list, as
        in Aim)."""
        return list(self._range)

    @property
    def weights(self) -> np.ndarray:
        """The count (weight) of each bin, float64, read-only."""
        return self._weights

    @property
    def ranges(self) -> np.ndarray:
        """The bin edges, bin_count + 1 of them, read-only."""
        if self._edges is None:
            import numpy as np

            edges = np.linspace(self._range[0], self._range[1], self.bin_count + 1)
            edges.flags.writeable = False
            self._edges = edges
        return self._edges

    def to_np_histogram(self) -> tuple[np.ndarray, np.ndarray]:
        """(weights, edges) as np.histogram returns them (new arrays)."""
        return self._weights.copy(), self.ranges.copy()

    def json(self) -> dict:
        return {"bin_count": self.bin_count, "range": list(self._range), "data": self._weights.tolist()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Distribution):
            return NotImplemented
        return self._range == other._range and self._weights.tobytes() == other._weights.tobytes()

    def __hash__(self) -> int:
        return hash((self.KIND, self._range, self._weights.tobytes()))

    def __repr__(self) -> str:
        return f"Distribution(bin_count={self.bin_count}, range={self._range})"


def _check_bin_count(bin_count: Any) -> int:
    n = check_int(bin_count, "bin_count")
    if not 1 <= n <= MAX_BIN_COUNT:
        raise ValueError(f"bin_count must be between 1 and {MAX_BIN_COUNT}, got {n}")
    return n


def _check_range(bin_range: Any) -> tuple[float, float]:
    try:
        low, high = bin_range
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        raise TypeError(f"bin_range must be a pair of numbers (low, high), not {bin_range!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"bin_range must be finite, got {(low, high)}")
    if not low < high:
        raise ValueError(f"bin_range must have low < high, got {(low, high)}")
    return low, high


def _as_array(values: Any, what: str) -> np.ndarray:
    """values as a float64 numpy array (not yet copied when it already is one)."""
    import numpy as np

    if type(values) is np.ndarray:
        array = values
    elif is_torch(values):
        array = torch_to_numpy(values)
    elif isinstance(values, (str, bytes, bytearray, dict)) or not (
        isinstance(values, Iterable) or hasattr(values, "__array__")
    ):
        raise TypeError(f"{what} must be an iterable of numbers, not {type_name(values)}")
    elif isinstance(values, (list, tuple, range)) or hasattr(values, "__array__"):
        array = np.asarray(values)
    else:
        array = np.asarray(list(values))
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be numbers, not an array of dtype {array.dtype}")
    return array.astype(np.float64, copy=False)


def _samples(samples: Any) -> np.ndarray:
    array = _as_array(samples, "samples").ravel()
    if array.size == 0:
        raise ValueError("samples are empty: a Distribution needs at least one sample")
    return array


def _weights(hist: Any) -> np.ndarray:
    import numpy as np

    array = _as_array(hist, "hist")
    if array.ndim != 1:
        raise ValueError(f"hist must be one-dimensional, got shape {array.shape}")
    if not 1 <= len(array) <= MAX_BIN_COUNT:
        raise ValueError(f"hist must have 1 to {MAX_BIN_COUNT} bins, got {len(array)}")
    if not np.isfinite(array).all():
        raise ValueError("hist contains NaN or inf")
    return np.array(array, dtype=np.float64)  # a private copy


def _histogram(
    a: np.ndarray, n: int, bin_range: tuple[float, float] | None
) -> tuple[np.ndarray, tuple[float, float]]:
    """(weights, (low, high)), as np.histogram(a, n, range=bin_range) counts them."""
    import numpy as np

    low, high = a.min(), a.max()
    if math.isnan(low) or math.isnan(high):
        raise ValueError("samples contain NaN")
    if math.isinf(low) or math.isinf(high):
        raise ValueError("samples contain inf")
    if bin_range is None:
        low, high = float(low), float(high)
        if low == high:
            low, high = low - 0.5, high + 0.5
    else:
        low, high = bin_range
        keep = (a >= low) & (a <= high)
        if not keep.all():
            a = a[keep]
    edges = np.linspace(low, high, n + 1)
    if high - low < 8 * n * math.ulp(max(abs(low), abs(high))) and not (edges[1:] > edges[:-1]).all():
        if bin_range is not None:
            raise ValueError(f"bin_range {bin_range} is too narrow to hold {n} distinct bins")
        low, high, edges = _widened(low, high, n)
    # np.histogram's computation for equal bins: the bin from the scaled value, then corrected by
    # one where rounding put a value on the wrong side of an edge (the last bin is closed).
    index = ((a - low) / (high - low) * n).astype(np.intp)
    np.minimum(index, n - 1, out=index)
    index -= a < edges[index]
    upper = edges[1:].copy()
    upper[-1] = np.inf
    index += a >= upper[index]
    return np.bincount(index, minlength=n).astype(np.float64), (low, high)


def _widened(low: float, high: float, n: int) -> tuple[float, float, np.ndarray]:
    """A range around [low, high] wide enough for n distinct bins (where np.histogram would refuse
    samples that span too few representable values)."""
    import numpy as np

    mid = low / 2 + high / 2
    half = max((high - low) / 2, n * math.ulp(max(abs(low), abs(high))))
    while True:
        wide_low, wide_high = mid - half, mid + half
        edges = np.linspace(wide_low, wide_high, n + 1)
        if wide_low <= low and wide_high >= high and (edges[1:] > edges[:-1]).all():
            return wide_low, wide_high, edges
        half *= 2
