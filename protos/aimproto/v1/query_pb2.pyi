from aimproto.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class QueryRequest(_message.Message):
    __slots__ = ("query", "sequence_type", "run_hash", "with_points", "with_params", "offset", "limit", "timeout_s", "report_progress", "include_archived", "values_only", "max_points", "aggregate")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    WITH_POINTS_FIELD_NUMBER: _ClassVar[int]
    WITH_PARAMS_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    REPORT_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    VALUES_ONLY_FIELD_NUMBER: _ClassVar[int]
    MAX_POINTS_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_FIELD_NUMBER: _ClassVar[int]
    query: str
    sequence_type: str
    run_hash: str
    with_points: bool
    with_params: bool
    offset: str
    limit: int
    timeout_s: float
    report_progress: bool
    include_archived: bool
    values_only: bool
    max_points: int
    aggregate: Aggregation
    def __init__(self, query: _Optional[str] = ..., sequence_type: _Optional[str] = ..., run_hash: _Optional[str] = ..., with_points: _Optional[bool] = ..., with_params: _Optional[bool] = ..., offset: _Optional[str] = ..., limit: _Optional[int] = ..., timeout_s: _Optional[float] = ..., report_progress: _Optional[bool] = ..., include_archived: _Optional[bool] = ..., values_only: _Optional[bool] = ..., max_points: _Optional[int] = ..., aggregate: _Optional[_Union[Aggregation, _Mapping]] = ...) -> None: ...

class QueryChunk(_message.Message):
    __slots__ = ("sequences", "runs", "progress", "groups")
    SEQUENCES_FIELD_NUMBER: _ClassVar[int]
    RUNS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    sequences: _containers.RepeatedCompositeFieldContainer[SequenceBlock]
    runs: _containers.RepeatedCompositeFieldContainer[RunHeader]
    progress: Progress
    groups: _containers.RepeatedCompositeFieldContainer[GroupStats]
    def __init__(self, sequences: _Optional[_Iterable[_Union[SequenceBlock, _Mapping]]] = ..., runs: _Optional[_Iterable[_Union[RunHeader, _Mapping]]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., groups: _Optional[_Iterable[_Union[GroupStats, _Mapping]]] = ...) -> None: ...

class RunHeader(_message.Message):
    __slots__ = ("props", "params")
    PROPS_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    props: _common_pb2.RunProps
    params: _common_pb2.ParamValue
    def __init__(self, props: _Optional[_Union[_common_pb2.RunProps, _Mapping]] = ..., params: _Optional[_Union[_common_pb2.ParamValue, _Mapping]] = ...) -> None: ...

class SequenceBlock(_message.Message):
    __slots__ = ("run_hash", "info", "count", "steps", "values", "epochs", "timestamps", "last")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    info: _common_pb2.SequenceInfo
    count: int
    steps: bytes
    values: bytes
    epochs: bytes
    timestamps: bytes
    last: bool
    def __init__(self, run_hash: _Optional[str] = ..., info: _Optional[_Union[_common_pb2.SequenceInfo, _Mapping]] = ..., count: _Optional[int] = ..., steps: _Optional[bytes] = ..., values: _Optional[bytes] = ..., epochs: _Optional[bytes] = ..., timestamps: _Optional[bytes] = ..., last: _Optional[bool] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("done", "total")
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    done: int
    total: int
    def __init__(self, done: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...

class Aggregation(_message.Message):
    __slots__ = ("group_by", "line", "band", "max_points")
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    BAND_FIELD_NUMBER: _ClassVar[int]
    MAX_POINTS_FIELD_NUMBER: _ClassVar[int]
    group_by: _containers.RepeatedScalarFieldContainer[str]
    line: str
    band: str
    max_points: int
    def __init__(self, group_by: _Optional[_Iterable[str]] = ..., line: _Optional[str] = ..., band: _Optional[str] = ..., max_points: _Optional[int] = ...) -> None: ...

class GroupStats(_message.Message):
    __slots__ = ("values", "run_hashes", "curves", "common_steps", "steps", "line", "low", "high")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    RUN_HASHES_FIELD_NUMBER: _ClassVar[int]
    CURVES_FIELD_NUMBER: _ClassVar[int]
    COMMON_STEPS_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    run_hashes: _containers.RepeatedScalarFieldContainer[str]
    curves: int
    common_steps: int
    steps: bytes
    line: bytes
    low: bytes
    high: bytes
    def __init__(self, values: _Optional[_Iterable[str]] = ..., run_hashes: _Optional[_Iterable[str]] = ..., curves: _Optional[int] = ..., common_steps: _Optional[int] = ..., steps: _Optional[bytes] = ..., line: _Optional[bytes] = ..., low: _Optional[bytes] = ..., high: _Optional[bytes] = ...) -> None: ...
