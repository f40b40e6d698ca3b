"""Run params through the daemon and LevelDB: round trips, key paths, replace / delete, and values
or keys that cannot be stored (refused in the caller's thread, naming the key path)."""

from __future__ import annotations

import numpy as np
import pytest

from aim import Run
from aim.errors import ReadOnlyRunError
from tests.helpers import reread


def shape(value):
    """value with every leaf replaced by its type: tells 1 from True and 1.0, list from tuple."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [shape(v) for v in value])
    return type(value).__name__


NESTED = {
    "lr": 1e-3,
    "layers": [64, 128, {"kind": "conv", "pad": (1, 1)}],
    "shape": (3, (224, 224)),
    "flags": {"amp": True, "compile": False, "seed": None},
    "big": 2**70,
    "small": -(2**70),
    "edge": 2**63 - 1,
    "blob": b"\x00\xff\x00",
    "text": "héllo ✓",
    "nothing": {},
    "empty_list": [],
    "deep": {"a": {"b": {"c": {"d": "leaf"}}}},
}


def as_lists(value):
    """value with its tuples as lists: how Aim stores them."""
    if isinstance(value, dict):
        return {k: as_lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_lists(v) for v in value]
    return value


def test_nested_values_round_trip_with_their_types(shared, run):
    """1. set a tree of every supported kind; 2. read it from the same Run, a read-only Run and
    Repo.get_run: equal, with bools, bytes and big ints intact and tuples as lists (as in Aim)."""
    run["hparams"] = NESTED
    expected = as_lists(NESTED)
    for view in (run, Run(run.hash, repo=str(shared), read_only=True), reread(shared, run)):
        got = view["hparams"]
        assert got == expected
        assert shape(got) == shape(expected)


def test_int_keys_are_taken_as_aim_takes_them_and_read_back_as_str(shared, run):
    """Aim's params take int keys (a model config's id2label); ours are stored as their str,
    in trees and in dicts inside lists; an int key beside its own str is refused."""
    run["config"] = {"id2label": {0: "NEG", 1: "POS"}, "layers": [{2: "x"}]}
    expected = {"id2label": {"0": "NEG", "1": "POS"}, "layers": [{"2": "x"}]}
    assert run["config"] == expected
    assert reread(shared, run)["config", "id2label", "1"] == "POS"
    with pytest.raises(ValueError, match="param 'clash' has both keys 1 and '1'"):
        run["clash"] = {1: "a", "1": "b"}


def test_numpy_scalars_become_python_numbers(run):
    run["np"] = {"f32": np.float32(0.5), "i64": np.int64(-7), "u8": np.uint8(255), "b": np.bool_(True)}
    assert run["np"] == {"f32": 0.5, "i64": -7, "u8": 255, "b": True}
    assert shape(run["np"]) == {"f32": "float", "i64": "int", "u8": "int", "b": "bool"}


def test_tuple_keys_address_sub_trees(run):
    run["hparams"] = {"lr": 0.1, "opt": {"name": "adam", "betas": (0.9, 0.99)}}
    assert run["hparams", "lr"] == 0.1
    assert run["hparams", "opt"] == {"name": "adam", "betas": [0.9, 0.99]}
    assert run["hparams", "opt", "betas"] == [0.9, 0.99]  # a tuple reads back as a list, as in Aim
    run["hparams", "opt", "name"] = "sgd"
    run["hparams", "wd"] = 0.01  # a new key under an existing sub-tree
    assert run["hparams"] == {"lr": 0.1, "opt": {"name": "sgd", "betas": [0.9, 0.99]}, "wd": 0.01}


def test_keys_sharing_a_prefix_stay_apart(run):
    run["lr"] = 1
    run["lr_decay"] = 2
    run["lr", "x"] = 3  # lr becomes a dict; lr_decay is untouched
    assert run[...] == {"lr": {"x": 3}, "lr_decay": 2}
    del run["lr"]
    assert run[...] == {"lr_decay": 2}


def test_ellipsis_reads_everything_and_setting_it_replaces_everything(shared, run):
    """1. set two top-level keys; 2. run[...] returns both; 3. run[...] = {...} drops them;
    4. run[...] = {} leaves no params at all."""
    assert run[...] == {}
    run["a"] = 1
    run["b"] = {"c": 2}
    assert run[...] == {"a": 1, "b": {"c": 2}}
    run[...] = {"z": [1, 2], "b": {"d": 3}}
    assert run[...] == {"z": [1, 2], "b": {"d": 3}}
    assert run.get("a") is None and run.get(("b", "c")) is None
    run[...] = {}
    assert run[...] == {} and reread(shared, run)[...] == {}
    run["after"] = 1
    assert run[...] == {"after": 1}


def test_ellipsis_takes_only_a_dict(run):
    run["keep"] = 1
    with pytest.raises(TypeError, match="give a dict, not int"):
        run[...] = 5
    with pytest.raises(TypeError, match="give a dict, not list"):
        run[...] = [1]
    assert run[...] == {"keep": 1}


def test_delete_and_missing_keys(run):
    run["h"] = {"a": 1, "b": {"c": 2, "d": 3}}
    del run["h", "b", "c"]
    assert run["h"] == {"a": 1, "b": {"d": 3}}
    del run["h", "b"]
    assert run["h"] == {"a": 1}
    del run["h", "b"]  # deleting what is not there is no error, as in Aim
    del run["never"]
    assert run["h"] == {"a": 1}
    with pytest.raises(KeyError, match=r"No key \('never',\) is present."):  # Aim's message
        run["never"]
    with pytest.raises(KeyError, match=r"No key \('h', 'a', 'below a leaf'\) is present."):
        run["h", "a", "below a leaf"]
    del run[...]
    assert run[...] == {}
    del run[...]  # deleting nothing at the root is no error


def test_get_with_default(run):
    run["x"] = {"y": 0}
    assert run.get("x") == {"y": 0}
    assert run.get(("x", "y"), 5) == 0  # a stored falsy value, not the default
    assert run.get("missing", "fallback") == "fallback"
    assert run.get(("x", "missing")) is None


def test_setting_a_sub_key_under_a_leaf_turns_the_leaf_into_a_dict(run):
    run["lr"] = 0.1
    run["lr", "base"] = 0.2
    assert run["lr"] == {"base": 0.2}
    run["lr"] = 0.3  # and a leaf over a sub-tree replaces the sub-tree
    assert run["lr"] == 0.3
    assert run.get(("lr", "base")) is None


def test_params_survive_close_and_resume(shared, run):
    run["cfg"] = {"epochs": 10}
    run.close()
    resumed = Run(run.hash, repo=str(shared))
    assert resumed["cfg", "epochs"] == 10
    resumed["cfg", "epochs"] = 20
    resumed.close()
    assert reread(shared, run)["cfg"] == {"epochs": 20}


def test_read_only_run_reads_params_but_refuses_writes(shared, run):
    run["a"] = 1
    view = Run(run.hash, repo=str(shared), read_only=True)
    assert view["a"] == 1
    with pytest.raises(ReadOnlyRunError):
        view["a"] = 2
    with pytest.raises(ReadOnlyRunError):
        del view["a"]
    assert run["a"] == 1


# --- what cannot be stored -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"opt": {"betas": {0.9, 0.99}}}, "param 'hparams.opt.betas' is a set"),
        ({"fn": object()}, "param 'hparams.fn' is a object"),
        ({"w": np.array([1.0, 2.0])}, "param 'hparams.w' is a ndarray"),
        ({"layers": [1, 2, {3}]}, "param 'hparams.layers.2' is a set"),
        ({"opt": {1.5: "a"}}, "param 'hparams.opt' has a key 1.5: keys must be str or int"),
        ({"cplx": 1j}, "param 'hparams.cplx' is a complex"),
        ({"buf": bytearray(b"x")}, "param 'hparams.buf' is a bytearray"),
    ],
    ids=["set", "object", "array", "in list", "float key", "complex", "bytearray"],
)
def test_unsupported_value_is_a_type_error_naming_the_key_path(run, value, message):
    run["hparams"] = {"kept": True}
    with pytest.raises(TypeError, match=message.replace(".", r"\.")):
        run["hparams"] = value
    assert run["hparams"] == {"kept": True}  # nothing of the refused value was stored


@pytest.mark.parametrize(
    ("key", "error", "message"),
    [
        ("", ValueError, "param key '' in '' must be 1..1024 chars"),
        ("a\x00b", ValueError, r"param key 'a\\x00b' .* without NUL"),
        ("k" * 1025, ValueError, "must be 1..1024 chars"),
        (("a", ""), ValueError, "param key '' in 'a.'"),
        (("a", 1), TypeError, "a params key is a str, a tuple of str or"),
        ((), TypeError, "a params key is a str, a tuple of str or"),
        (5, TypeError, "a params key is a str, a tuple of str or"),
        (("x",) * 33, ValueError, "nested deeper than 32 levels"),
    ],
    ids=["empty", "NUL", "1025 chars", "empty part", "int part", "empty tuple", "int", "33 deep"],
)
def test_bad_key_is_refused_on_set_get_and_delete(run, key, error, message):
    with pytest.raises(error, match=message):
        run[key] = 1
    with pytest.raises(error, match=message):
        run[key]
    with pytest.raises(error, match=message):
        del run[key]
    assert run[...] == {}


def test_nul_key_never_reads_another_path(run):
    """A NUL is the key schema's separator: 'a\\x00b' must not read run['a', 'b']."""
    run["a", "b"] = "secret"
    with pytest.raises(ValueError, match="without NUL"):
        run["a\x00b"]
    with pytest.raises(ValueError, match="without NUL"):
        run.get("a\x00b")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"": 1}, "param key '' in 'cfg.' must be"),
        ({"a": {"b\x00": 1}}, "without NUL"),
        ({"k" * 1025: 1}, "must be 1..1024 chars"),
    ],
    ids=["empty key", "NUL key", "long key"],
)
def test_dict_keys_that_become_key_paths_are_checked(run, value, message):
    with pytest.raises(ValueError, match=message):
        run["cfg"] = value
    assert run.get("cfg") is None


def test_dict_keys_inside_lists_are_stored_with_the_value(run):
    """Keys of a dict inside a list are not key paths: empty or NUL keys are fine there."""
    value = [{"": 1, "a\x00b": 2}, ({"": ()},)]
    run["list"] = value
    assert run["list"] == as_lists(value)


def test_deepest_tree_is_accepted_and_one_level_more_is_refused(run):
    """A leaf may sit 32 keys and list items below the root: deeper trees would fit the store but
    not the wire format's nesting limit, so run[...] could never read them back."""
    value: object = "leaf"
    for i in range(31):
        value = {"k": value} if i % 2 else [value]
    run["top"] = value  # 32 levels from the root to the leaf
    assert run["top"] == value
    assert run[...] == {"top": value}
    with pytest.raises(ValueError, match="nested deeper than 32 levels"):
        run["top"] = {"k": value}
    with pytest.raises(ValueError, match="nested deeper than 32 levels"):
        run["top"] = [value]
    with pytest.raises(ValueError, match="nested deeper than 32 levels"):
        run["a", "b"] = value
    assert run[...] == {"top": value}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("s", "bad \ud800", "param 's' is not valid Unicode"),
        ("d", {"x": ["ok", "\udfff"]}, "param 'd.x.1' is not valid Unicode"),
        ("\ud800", 1, "is not valid Unicode"),
        ("d", {"\ud800": 1}, "is not valid Unicode"),
    ],
    ids=["value", "nested value", "key", "dict key"],
)
def test_str_that_is_not_valid_unicode_is_a_value_error(run, key, value, message):
    with pytest.raises(ValueError, match=message):
        run[key] = value
    assert run[...] == {}


def test_omegaconf_config_is_stored_as_plain_containers(run):
    omegaconf = pytest.importorskip("omegaconf")
    cfg = omegaconf.OmegaConf.create({"model": {"dim": 64, "dims": [1, 2]}, "lr": "${model.dim}"})
    run["cfg"] = cfg
    assert run["cfg"] == {"model": {"dim": 64, "dims": [1, 2]}, "lr": 64}
