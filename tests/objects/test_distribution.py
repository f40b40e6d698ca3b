"""aim.objects.Distribution: the histogram np.histogram gives, every input kind, the record round trip,
and bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest

from aim.objects import MAX_BIN_COUNT, Distribution

RNG = np.random.default_rng(1)


def roundtrip(dist: Distribution) -> Distribution:
    meta, payload = dist._record()
    assert isinstance(payload, bytes)
    return Distribution._from_record(meta, payload)


class FakeTensor:
    __module__ = "torch.nn"

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def detach(self) -> FakeTensor:
        return self

    def cpu(self) -> FakeTensor:
        return self

    def numpy(self) -> np.ndarray:
        return self.array


# --- the histogram -----------------------------------------------------------------------------
@pytest.mark.parametrize("bin_count", [1, 2, 7, 64, MAX_BIN_COUNT])
def test_matches_np_histogram(bin_count):
    for _ in range(40):
        samples = RNG.standard_normal(int(RNG.integers(1, 2000))) * 10 ** RNG.uniform(-8, 8)
        weights, edges = np.histogram(samples, bin_count)
        dist = Distribution(samples, bin_count)
        assert np.array_equal(dist.weights, weights)
        assert np.array_equal(dist.ranges, edges)
        assert dist.range == [edges[0], edges[-1]]


def test_samples_too_close_for_distinct_bins_get_a_wider_range():
    samples = np.array([1e6, 1e6 + 1e-9, 1e6 + 2e-9])
    with pytest.raises(ValueError):
        np.histogram(samples, MAX_BIN_COUNT)  # numpy refuses: "Too many bins for data range"
    dist = Distribution(samples, MAX_BIN_COUNT)
    assert dist.weights.sum() == 3 and (np.diff(dist.ranges) > 0).all()
    assert dist.range[0] <= samples.min() and dist.range[1] >= samples.max()
    with pytest.raises(ValueError, match="too narrow to hold 512 distinct bins"):
        Distribution(samples, MAX_BIN_COUNT, bin_range=(1e6, 1e6 + 1e-9))


@pytest.mark.parametrize(
    "samples",
    [np.full(10, 3.0), np.arange(100), np.arange(50, dtype=np.int8), np.array([True, False, True])],
)
def test_constant_integer_and_bool_samples(samples):
    weights, edges = np.histogram(samples.astype(np.float64), 16)
    dist = Distribution(samples, 16)
    assert np.array_equal(dist.weights, weights) and np.array_equal(dist.ranges, edges)


def test_bin_range_leaves_out_samples_outside_it():
    samples = RNG.standard_normal(1000) * 3
    weights, edges = np.histogram(samples, 10, range=(-1.0, 2.0))
    dist = Distribution(samples, 10, bin_range=(-1, 2))
    assert np.array_equal(dist.weights, weights) and dist.range == [-1.0, 2.0]
    assert dist.weights.sum() < 1000


INPUTS = {
    "list": list,
    "tuple": tuple,
    "generator": lambda a: (x for x in a),
    "2-D array": lambda a: a.reshape(10, 20),
    "torch": FakeTensor,
    "float32": lambda a: a.astype(np.float32),
}


@pytest.mark.parametrize("kind", INPUTS)
def test_every_input_kind(kind):
    base = RNG.random(200)
    dist = Distribution(INPUTS[kind](base), 32)
    expected_input = base.astype(np.float32) if kind == "float32" else base
    assert np.array_equal(dist.weights, np.histogram(expected_input.astype(np.float64), 32)[0])
    assert dist.weights.sum() == 200


def test_numpy_integer_bin_count():
    assert Distribution([1, 2, 3], np.int64(3)).bin_count == 3


def test_from_samples_and_distribution_keyword():
    samples = RNG.random(100)
    assert (
        Distribution.from_samples(samples, 8)
        == Distribution(samples, 8)
        == Distribution(distribution=samples, bin_count=8)
    )


def test_from_histogram_is_taken_as_it_is():
    hist = np.array([1, 0, 5, 2.5])
    dist = Distribution.from_histogram(hist, (0, 4))
    hist[0] = 100  # the caller may reuse its array
    assert dist.bin_count == 4 and dist.weights.tolist() == [1, 0, 5, 2.5]
    assert dist.ranges.tolist() == [0, 1, 2, 3, 4]
    assert Distribution(hist=[1, 2], bin_range=[0.5, 1.5]).json() == {
        "bin_count": 2,
        "range": [0.5, 1.5],
        "data": [1.0, 2.0],
    }


# --- record, equality, views -------------------------------------------------------------------
def test_record_round_trip():
    dist = Distribution(RNG.standard_normal(1000), 50)
    meta, payload = dist._record()
    assert meta == {"bin_count": 50, "range": list(dist.range)}
    assert payload == dist.weights.astype("<f8").tobytes() and len(payload) == 50 * 8
    back = roundtrip(dist)
    assert back == dist and hash(back) == hash(dist)
    assert np.array_equal(back.weights, dist.weights) and np.array_equal(back.ranges, dist.ranges)
    assert back.json() == dist.json()
    assert dist._record() == dist._record()


def test_record_of_wrong_length_is_refused():
    with pytest.raises(ValueError, match="3 weights, 4 expected"):
        Distribution._from_record({"bin_count": 4, "range": [0, 1]}, b"\0" * 24)


def test_views_are_read_only_and_np_histogram_is_a_copy():
    dist = Distribution([1.0, 2.0, 2.0, 3.0], 3)
    with pytest.raises(ValueError):
        dist.weights[0] = 5
    with pytest.raises(ValueError):
        dist.ranges[0] = 5
    weights, edges = dist.to_np_histogram()
    weights[0] = 5
    assert dist.weights[0] == 1 and len(edges) == dist.bin_count + 1
    assert repr(dist) == "Distribution(bin_count=3, range=(1.0, 3.0))"


def test_equality():
    a = Distribution([1, 2, 3], 4)
    assert a == Distribution(np.array([3, 2, 1]), 4)
    assert a != Distribution([1, 2, 3], 5)
    assert a != Distribution([1, 2, 4], 4)
    assert a != [1, 2, 3]


# --- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("bad", "word"), [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf")])
def test_nan_or_inf_in_samples(bad, word):
    samples = RNG.random(100)
    samples[17] = bad
    with pytest.raises(ValueError, match=f"samples contain {word}"):
        Distribution(samples)
    with pytest.raises(ValueError, match=f"samples contain {word}"):
        Distribution(samples, bin_range=(0, 1))


@pytest.mark.parametrize("empty", [[], np.array([]), np.zeros((3, 0))])
def test_empty_samples(empty):
    with pytest.raises(ValueError, match="samples are empty"):
        Distribution(empty)


@pytest.mark.parametrize("bin_count", [0, -1, MAX_BIN_COUNT + 1])
def test_bin_count_out_of_range(bin_count):
    with pytest.raises(ValueError, match=f"bin_count must be between 1 and {MAX_BIN_COUNT}, got {bin_count}"):
        Distribution([1, 2], bin_count)


@pytest.mark.parametrize("bin_count", [1.5, "8", True, None])
def test_bin_count_not_an_int(bin_count):
    with pytest.raises(TypeError, match="bin_count must be an int"):
        Distribution([1, 2], bin_count)


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        ("abc", "must be an iterable of numbers, not str"),
        (3.5, "must be an iterable of numbers, not float"),
        (["a", "b"], "must be numbers, not an array of dtype <U1"),
        ([1, None], "must be numbers, not an array of dtype object"),
        (np.array([1j]), "dtype complex128"),
    ],
)
def test_samples_not_numbers(samples, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        Distribution(samples)


def test_samples_and_hist_arguments():
    with pytest.raises(ValueError, match="exactly one of samples and hist"):
        Distribution()
    with pytest.raises(ValueError, match="exactly one of samples and hist"):
        Distribution([1], hist=[1], bin_range=(0, 1))
    with pytest.raises(ValueError, match="needs bin_range"):
        Distribution(hist=[1, 2])
    with pytest.raises(TypeError, match="samples or distribution, not both"):
        Distribution([1], distribution=[1])


@pytest.mark.parametrize(
    ("bin_range", "error", "message"),
    [
        ((1, 1), ValueError, "low < high"),
        ((2, 1), ValueError, "low < high"),
        ((0, np.nan), ValueError, "must be finite"),
        ((0, np.inf), ValueError, "must be finite"),
        ((0, 1, 2), TypeError, "pair of numbers"),
        (5, TypeError, "pair of numbers"),
        (("a", "b"), TypeError, "pair of numbers"),
    ],
)
def test_bad_bin_range(bin_range, error, message):
    with pytest.raises(error, match=message):
        Distribution(hist=[1, 2], bin_range=bin_range)


@pytest.mark.parametrize(
    ("hist", "message"),
    [
        (np.ones((2, 2)), r"one-dimensional, got shape \(2, 2\)"),
        ([], "1 to 512 bins, got 0"),
        (np.ones(MAX_BIN_COUNT + 1), "1 to 512 bins, got 513"),
        ([1, np.nan], "NaN or inf"),
        ([1, np.inf], "NaN or inf"),
    ],
)
def test_bad_hist(hist, message):
    with pytest.raises(ValueError, match=message):
        Distribution.from_histogram(hist, (0, 1))
