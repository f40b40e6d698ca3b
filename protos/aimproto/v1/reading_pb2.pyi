from aimproto.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RunRef(_message.Message):
    __slots__ = ("run_hash",)
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    def __init__(self, run_hash: _Optional[str] = ...) -> None: ...

class ListRunsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetParamsRequest(_message.Message):
    __slots__ = ("run_hash", "path")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    path: _common_pb2.ParamPath
    def __init__(self, run_hash: _Optional[str] = ..., path: _Optional[_Union[_common_pb2.ParamPath, _Mapping]] = ...) -> None: ...

class ListSequencesReply(_message.Message):
    __slots__ = ("sequences",)
    SEQUENCES_FIELD_NUMBER: _ClassVar[int]
    sequences: _containers.RepeatedCompositeFieldContainer[_common_pb2.SequenceInfo]
    def __init__(self, sequences: _Optional[_Iterable[_Union[_common_pb2.SequenceInfo, _Mapping]]] = ...) -> None: ...

class ReadSequenceRequest(_message.Message):
    __slots__ = ("run_hash", "name", "context")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    name: str
    context: str
    def __init__(self, run_hash: _Optional[str] = ..., name: _Optional[str] = ..., context: _Optional[str] = ...) -> None: ...

class PointsChunk(_message.Message):
    __slots__ = ("dtype", "count", "steps", "values", "epochs", "timestamps")
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    dtype: _common_pb2.DType
    count: int
    steps: bytes
    values: bytes
    epochs: bytes
    timestamps: bytes
    def __init__(self, dtype: _Optional[_Union[_common_pb2.DType, str]] = ..., count: _Optional[int] = ..., steps: _Optional[bytes] = ..., values: _Optional[bytes] = ..., epochs: _Optional[bytes] = ..., timestamps: _Optional[bytes] = ...) -> None: ...

class ObjectsChunk(_message.Message):
    __slots__ = ("dtype", "count", "steps", "epochs", "timestamps", "record_counts", "metas", "shas")
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    RECORD_COUNTS_FIELD_NUMBER: _ClassVar[int]
    METAS_FIELD_NUMBER: _ClassVar[int]
    SHAS_FIELD_NUMBER: _ClassVar[int]
    dtype: _common_pb2.DType
    count: int
    steps: bytes
    epochs: bytes
    timestamps: bytes
    record_counts: _containers.RepeatedScalarFieldContainer[int]
    metas: _containers.RepeatedScalarFieldContainer[str]
    shas: bytes
    def __init__(self, dtype: _Optional[_Union[_common_pb2.DType, str]] = ..., count: _Optional[int] = ..., steps: _Optional[bytes] = ..., epochs: _Optional[bytes] = ..., timestamps: _Optional[bytes] = ..., record_counts: _Optional[_Iterable[int]] = ..., metas: _Optional[_Iterable[str]] = ..., shas: _Optional[bytes] = ...) -> None: ...

class GetBlobsRequest(_message.Message):
    __slots__ = ("sha256",)
    SHA256_FIELD_NUMBER: _ClassVar[int]
    sha256: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, sha256: _Optional[_Iterable[bytes]] = ...) -> None: ...

class BlobPart(_message.Message):
    __slots__ = ("blob", "size", "data")
    BLOB_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    blob: int
    size: int
    data: bytes
    def __init__(self, blob: _Optional[int] = ..., size: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class DaemonStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DaemonCacheStats(_message.Message):
    __slots__ = ("name", "bytes", "max_bytes", "entries", "hits", "misses")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    MISSES_FIELD_NUMBER: _ClassVar[int]
    name: str
    bytes: int
    max_bytes: int
    entries: int
    hits: int
    misses: int
    def __init__(self, name: _Optional[str] = ..., bytes: _Optional[int] = ..., max_bytes: _Optional[int] = ..., entries: _Optional[int] = ..., hits: _Optional[int] = ..., misses: _Optional[int] = ...) -> None: ...

class DaemonStats(_message.Message):
    __slots__ = ("rss_bytes", "memory_limit_bytes", "caches", "threads", "open_fds", "active_runs", "pid")
    RSS_BYTES_FIELD_NUMBER: _ClassVar[int]
    MEMORY_LIMIT_BYTES_FIELD_NUMBER: _ClassVar[int]
    CACHES_FIELD_NUMBER: _ClassVar[int]
    THREADS_FIELD_NUMBER: _ClassVar[int]
    OPEN_FDS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_RUNS_FIELD_NUMBER: _ClassVar[int]
    PID_FIELD_NUMBER: _ClassVar[int]
    rss_bytes: int
    memory_limit_bytes: int
    caches: _containers.RepeatedCompositeFieldContainer[DaemonCacheStats]
    threads: int
    open_fds: int
    active_runs: int
    pid: int
    def __init__(self, rss_bytes: _Optional[int] = ..., memory_limit_bytes: _Optional[int] = ..., caches: _Optional[_Iterable[_Union[DaemonCacheStats, _Mapping]]] = ..., threads: _Optional[int] = ..., open_fds: _Optional[int] = ..., active_runs: _Optional[int] = ..., pid: _Optional[int] = ...) -> None: ...
