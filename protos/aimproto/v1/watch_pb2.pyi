from aimproto.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WatchRequest(_message.Message):
    __slots__ = ("run_hashes",)
    RUN_HASHES_FIELD_NUMBER: _ClassVar[int]
    run_hashes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, run_hashes: _Optional[_Iterable[str]] = ...) -> None: ...

class SeriesUpdate(_message.Message):
    __slots__ = ("name", "context", "dtype", "steps", "values", "epochs", "timestamps", "count")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    context: str
    dtype: _common_pb2.DType
    steps: _containers.RepeatedScalarFieldContainer[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    epochs: _containers.RepeatedScalarFieldContainer[float]
    timestamps: _containers.RepeatedScalarFieldContainer[float]
    count: int
    def __init__(self, name: _Optional[str] = ..., context: _Optional[str] = ..., dtype: _Optional[_Union[_common_pb2.DType, str]] = ..., steps: _Optional[_Iterable[int]] = ..., values: _Optional[_Iterable[float]] = ..., epochs: _Optional[_Iterable[float]] = ..., timestamps: _Optional[_Iterable[float]] = ..., count: _Optional[int] = ...) -> None: ...

class WatchEvent(_message.Message):
    __slots__ = ("run_hash", "series", "props", "deleted", "notice", "heartbeat")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    PROPS_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    series: _containers.RepeatedCompositeFieldContainer[SeriesUpdate]
    props: _common_pb2.RunProps
    deleted: bool
    notice: str
    heartbeat: bool
    def __init__(self, run_hash: _Optional[str] = ..., series: _Optional[_Iterable[_Union[SeriesUpdate, _Mapping]]] = ..., props: _Optional[_Union[_common_pb2.RunProps, _Mapping]] = ..., deleted: _Optional[bool] = ..., notice: _Optional[str] = ..., heartbeat: _Optional[bool] = ...) -> None: ...
