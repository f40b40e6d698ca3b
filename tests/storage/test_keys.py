"""The key schema: builders and parsers, and the prefix properties every range scan relies on."""

from __future__ import annotations

import json

import pytest

from aimd.storage import keys, values
from aimd.storage.reader import MISSING, params_at
from aimd.storage.store import Store


@pytest.mark.parametrize("path", [(), ("hparams",), ("hparams", "lr"), ("ключ", "✓", "a b", "x" * 1024)])
def test_param_path_round_trips(path):
    key = keys.param_key("run1", path)
    assert key.startswith(keys.params_prefix("run1"))
    assert keys.param_path_of("run1", key) == list(path)


def test_param_subtree_prefix_holds_only_that_subtree():
    sub = keys.param_key("r", ("hparams",)) + keys.SEP
    assert keys.param_key("r", ("hparams", "lr")).startswith(sub)
    assert keys.param_key("r", ("hparams", "a", "b")).startswith(sub)
    assert not keys.param_key("r", ("hparams_2", "lr")).startswith(sub)
    assert not keys.param_key("r", ("hparams",)).startswith(sub)
    # another run whose hash extends this one's never falls under this run's params
    assert not keys.param_key("r2", ("hparams", "lr")).startswith(keys.param_key("r", ()) + keys.SEP)
    # a parent sorts right before its children, children before the next sibling
    ordered = sorted(
        [keys.param_key("r", p) for p in [("b",), ("a", "z"), ("a",), ("a", "b", "c"), ("a!",), ("a", "b")]]
    )
    assert [keys.param_path_of("r", k) for k in ordered] == [
        ["a"],
        ["a", "b"],
        ["a", "b", "c"],
        ["a", "z"],
        ["a!"],
        ["b"],
    ]


@pytest.mark.parametrize(
    ("name", "context"),
    [
        ("loss", {}),
        ("loss", {"subset": "train"}),
        ("a/b c", {"x": "\x00\n", "k": [1, {"n": None}]}),
        ("✓", {}),
    ],
)
def test_sequence_id_round_trips(name, context):
    canonical = json.dumps(context, sort_keys=True, separators=(",", ":"))
    key = keys.sequence_key("run1", name, canonical)
    assert key.startswith(keys.sequence_prefix("run1"))
    assert keys.sequence_id_of("run1", key) == (name, canonical)
    assert b"\x00" not in canonical.encode()  # canonical JSON escapes NUL: the separator is safe


def test_sequence_prefixes_never_mix_runs_or_sequences():
    assert not keys.sequence_key("ab", "x", "{}").startswith(keys.sequence_prefix("a"))
    b0 = keys.block_key("r", "x", "{}", 0)
    assert b0.startswith(keys.blocks_prefix("r", "x", "{}"))
    assert not keys.block_key("r", "x", '{"a":1}', 0).startswith(keys.blocks_prefix("r", "x", "{}"))
    assert not keys.block_key("r", "xy", "{}", 0).startswith(keys.blocks_prefix("r", "x", "{}"))
    assert not keys.block_key("rr", "x", "{}", 0).startswith(keys.blocks_prefix("r", "x", "{}"))


def test_block_keys_sort_in_block_order():
    numbers = [0, 1, 2, 9, 10, 255, 256, 65535, 65536, 2**32 - 1]
    built = [keys.block_key("r", "x", "{}", n) for n in numbers]
    assert sorted(built) == built


def test_run_and_client_keys():
    assert keys.run_hash_of(keys.run_key("abc_-9")) == "abc_-9"
    assert keys.run_key("a").startswith(keys.RUN) and keys.client_key("c").startswith(keys.CLIENT)
    assert len({keys.RUN, keys.PARAM, keys.SEQUENCE, keys.BLOCK, keys.CLIENT, keys.VERSION_KEY}) == 6


def test_params_subtree_read_from_leveldb_excludes_siblings_with_a_common_prefix(tmp_path):
    """1. store leaves lr, lr_decay, lr.x and a leaf of a run whose hash extends this one's in a real
    LevelDB; 2. read sub-trees back by path."""
    store = Store(tmp_path / "db")
    try:
        leaves = {
            ("r", ("hparams", "lr")): b"f1",
            ("r", ("hparams", "lr_decay")): b"f2",
            ("r", ("hparams", "opt", "name")): b"f3",
            ("r", ("other",)): b"f4",
            ("r2", ("hparams", "lr")): b"f5",
        }
        store.write({keys.param_key(h, p): values.encode(v.decode()) for (h, p), v in leaves.items()}, set())
        assert params_at(store, "r", ("hparams",)) == {"lr": "f1", "lr_decay": "f2", "opt": {"name": "f3"}}
        assert params_at(store, "r", ("hparams", "lr")) == "f1"
        assert params_at(store, "r", ()) == {
            "hparams": {"lr": "f1", "lr_decay": "f2", "opt": {"name": "f3"}},
            "other": "f4",
        }
        assert params_at(store, "r", ("hparams", "l")) is MISSING
        assert params_at(store, "r2", ()) == {"hparams": {"lr": "f5"}}
        assert params_at(store, "nope", ()) == {}
    finally:
        store.close()
