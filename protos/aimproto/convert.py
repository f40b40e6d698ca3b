"""Plain Python values <-> wire messages, shared by both ends so the mapping is written once.

Params: None, bool, int, float, str, bytes, list, tuple and dict (str keys) map onto ParamValue.
"""

from __future__ import annotations

from typing import Any

from aimproto.v1 import common_pb2 as pb

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def param_to_proto(value: Any, out: pb.ParamValue | None = None) -> pb.ParamValue:
    """Encode a plain value; TypeError names the first unsupported type."""
    msg = pb.ParamValue() if out is None else out
    if value is None:
        msg.null = True
    elif value is True or value is False:
        msg.bool_value = value
    elif isinstance(value, int):
        if _INT64_MIN <= value <= _INT64_MAX:
            msg.int_value = value
        else:
            msg.big_int = str(value)
    elif isinstance(value, float):
        msg.float_value = value
    elif isinstance(value, str):
        msg.string_value = value
    elif isinstance(value, bytes):
        msg.bytes_value = value
    elif isinstance(value, (list, tuple)):
        target = msg.list_value if isinstance(value, list) else msg.tuple_value
        target.SetInParent()
        for item in value:
            param_to_proto(item, target.items.add())
    elif isinstance(value, dict):
        msg.dict_value.SetInParent()
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"param dict keys must be str, not {type(key).__name__}")
            entry = msg.dict_value.entries.add()
            entry.key = key
            param_to_proto(item, entry.value)
    else:
        raise TypeError(f"unsupported param type {type(value).__name__}")
    return msg


def param_from_proto(msg: pb.ParamValue) -> Any:
    """Decode a ParamValue; ValueError for an empty one."""
    kind = msg.WhichOneof("kind")
    if kind == "null":
        return None
    if kind in ("bool_value", "int_value", "float_value", "string_value", "bytes_value"):
        return getattr(msg, kind)
    if kind == "big_int":
        return int(msg.big_int)
    if kind == "list_value":
        return [param_from_proto(item) for item in msg.list_value.items]
    if kind == "tuple_value":
        return tuple(param_from_proto(item) for item in msg.tuple_value.items)
    if kind == "dict_value":
        return {entry.key: param_from_proto(entry.value) for entry in msg.dict_value.entries}
    raise ValueError("empty ParamValue")


_PROPS_FIELDS = ("hash", "name", "description", "experiment", "archived", "creation_time", "active")


def props_to_proto(props: dict[str, Any]) -> pb.RunProps:
    msg = pb.RunProps(
        **{f: props[f] for f in _PROPS_FIELDS}, tags=props["tags"], status=props.get("status", "")
    )
    if props.get("end_time") is not None:
        msg.end_time = props["end_time"]
    return msg


def props_from_proto(msg: pb.RunProps) -> dict[str, Any]:
    props = {f: getattr(msg, f) for f in _PROPS_FIELDS}
    props["tags"] = list(msg.tags)
    props["status"] = msg.status
    props["end_time"] = msg.end_time if msg.HasField("end_time") else None
    return props
