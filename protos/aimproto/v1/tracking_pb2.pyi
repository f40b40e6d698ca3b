from aimproto.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Empty(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class HandshakeRequest(_message.Message):
    __slots__ = ("protocol_version", "client_version")
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    CLIENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    protocol_version: int
    client_version: str
    def __init__(self, protocol_version: _Optional[int] = ..., client_version: _Optional[str] = ...) -> None: ...

class HandshakeReply(_message.Message):
    __slots__ = ("protocol_version", "daemon_version", "max_message_bytes", "artifacts_uri")
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    DAEMON_VERSION_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    ARTIFACTS_URI_FIELD_NUMBER: _ClassVar[int]
    protocol_version: int
    daemon_version: str
    max_message_bytes: int
    artifacts_uri: str
    def __init__(self, protocol_version: _Optional[int] = ..., daemon_version: _Optional[str] = ..., max_message_bytes: _Optional[int] = ..., artifacts_uri: _Optional[str] = ...) -> None: ...

class OpenRunRequest(_message.Message):
    __slots__ = ("run_hash", "create", "experiment", "client_id", "read_only")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    CREATE_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    READ_ONLY_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    create: bool
    experiment: str
    client_id: str
    read_only: bool
    def __init__(self, run_hash: _Optional[str] = ..., create: _Optional[bool] = ..., experiment: _Optional[str] = ..., client_id: _Optional[str] = ..., read_only: _Optional[bool] = ...) -> None: ...

class OpenRunReply(_message.Message):
    __slots__ = ("props", "sequences")
    PROPS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCES_FIELD_NUMBER: _ClassVar[int]
    props: _common_pb2.RunProps
    sequences: _containers.RepeatedCompositeFieldContainer[_common_pb2.SequenceInfo]
    def __init__(self, props: _Optional[_Union[_common_pb2.RunProps, _Mapping]] = ..., sequences: _Optional[_Iterable[_Union[_common_pb2.SequenceInfo, _Mapping]]] = ...) -> None: ...

class TrackRequest(_message.Message):
    __slots__ = ("hello", "batch")
    HELLO_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    hello: Hello
    batch: Batch
    def __init__(self, hello: _Optional[_Union[Hello, _Mapping]] = ..., batch: _Optional[_Union[Batch, _Mapping]] = ...) -> None: ...

class Hello(_message.Message):
    __slots__ = ("client_id",)
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    def __init__(self, client_id: _Optional[str] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("seq", "series", "blobs", "objects")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    BLOBS_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    seq: int
    series: _containers.RepeatedCompositeFieldContainer[SeriesChunk]
    blobs: _containers.RepeatedCompositeFieldContainer[BlobChunk]
    objects: _containers.RepeatedCompositeFieldContainer[ObjectSeries]
    def __init__(self, seq: _Optional[int] = ..., series: _Optional[_Iterable[_Union[SeriesChunk, _Mapping]]] = ..., blobs: _Optional[_Iterable[_Union[BlobChunk, _Mapping]]] = ..., objects: _Optional[_Iterable[_Union[ObjectSeries, _Mapping]]] = ...) -> None: ...

class SeriesChunk(_message.Message):
    __slots__ = ("run_hash", "name", "context", "dtype", "count", "steps", "values", "epochs", "timestamps")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    name: str
    context: str
    dtype: _common_pb2.DType
    count: int
    steps: bytes
    values: bytes
    epochs: bytes
    timestamps: bytes
    def __init__(self, run_hash: _Optional[str] = ..., name: _Optional[str] = ..., context: _Optional[str] = ..., dtype: _Optional[_Union[_common_pb2.DType, str]] = ..., count: _Optional[int] = ..., steps: _Optional[bytes] = ..., values: _Optional[bytes] = ..., epochs: _Optional[bytes] = ..., timestamps: _Optional[bytes] = ...) -> None: ...

class BlobChunk(_message.Message):
    __slots__ = ("sha256", "size", "index", "data")
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    sha256: bytes
    size: int
    index: int
    data: bytes
    def __init__(self, sha256: _Optional[bytes] = ..., size: _Optional[int] = ..., index: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class ObjectSeries(_message.Message):
    __slots__ = ("run_hash", "name", "context", "dtype", "count", "steps", "epochs", "timestamps", "record_counts", "metas", "shas")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    RECORD_COUNTS_FIELD_NUMBER: _ClassVar[int]
    METAS_FIELD_NUMBER: _ClassVar[int]
    SHAS_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    name: str
    context: str
    dtype: _common_pb2.DType
    count: int
    steps: bytes
    epochs: bytes
    timestamps: bytes
    record_counts: _containers.RepeatedScalarFieldContainer[int]
    metas: _containers.RepeatedScalarFieldContainer[str]
    shas: bytes
    def __init__(self, run_hash: _Optional[str] = ..., name: _Optional[str] = ..., context: _Optional[str] = ..., dtype: _Optional[_Union[_common_pb2.DType, str]] = ..., count: _Optional[int] = ..., steps: _Optional[bytes] = ..., epochs: _Optional[bytes] = ..., timestamps: _Optional[bytes] = ..., record_counts: _Optional[_Iterable[int]] = ..., metas: _Optional[_Iterable[str]] = ..., shas: _Optional[bytes] = ...) -> None: ...

class TrackAck(_message.Message):
    __slots__ = ("durable_seq", "refused")
    DURABLE_SEQ_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    durable_seq: int
    refused: _containers.RepeatedCompositeFieldContainer[RefusedPart]
    def __init__(self, durable_seq: _Optional[int] = ..., refused: _Optional[_Iterable[_Union[RefusedPart, _Mapping]]] = ...) -> None: ...

class RefusedPart(_message.Message):
    __slots__ = ("run_hash", "name", "context", "blob_sha256", "reason", "code")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    BLOB_SHA256_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    name: str
    context: str
    blob_sha256: bytes
    reason: str
    code: int
    def __init__(self, run_hash: _Optional[str] = ..., name: _Optional[str] = ..., context: _Optional[str] = ..., blob_sha256: _Optional[bytes] = ..., reason: _Optional[str] = ..., code: _Optional[int] = ...) -> None: ...

class SetParamsRequest(_message.Message):
    __slots__ = ("run_hash", "path", "value")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    path: _common_pb2.ParamPath
    value: _common_pb2.ParamValue
    def __init__(self, run_hash: _Optional[str] = ..., path: _Optional[_Union[_common_pb2.ParamPath, _Mapping]] = ..., value: _Optional[_Union[_common_pb2.ParamValue, _Mapping]] = ...) -> None: ...

class DeleteParamsRequest(_message.Message):
    __slots__ = ("run_hash", "path")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    path: _common_pb2.ParamPath
    def __init__(self, run_hash: _Optional[str] = ..., path: _Optional[_Union[_common_pb2.ParamPath, _Mapping]] = ...) -> None: ...

class SetPropsRequest(_message.Message):
    __slots__ = ("run_hash", "name", "description", "experiment", "archived")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    name: str
    description: str
    experiment: str
    archived: bool
    def __init__(self, run_hash: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., experiment: _Optional[str] = ..., archived: _Optional[bool] = ...) -> None: ...

class TagRequest(_message.Message):
    __slots__ = ("run_hash", "tag")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    tag: str
    def __init__(self, run_hash: _Optional[str] = ..., tag: _Optional[str] = ...) -> None: ...

class CloseRunRequest(_message.Message):
    __slots__ = ("run_hash", "client_id", "force")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    client_id: str
    force: bool
    def __init__(self, run_hash: _Optional[str] = ..., client_id: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class DeleteRunRequest(_message.Message):
    __slots__ = ("run_hash",)
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    def __init__(self, run_hash: _Optional[str] = ...) -> None: ...

class DeleteExperimentRequest(_message.Message):
    __slots__ = ("experiment",)
    EXPERIMENT_FIELD_NUMBER: _ClassVar[int]
    experiment: str
    def __init__(self, experiment: _Optional[str] = ...) -> None: ...

class DeleteExperimentReply(_message.Message):
    __slots__ = ("run_hashes",)
    RUN_HASHES_FIELD_NUMBER: _ClassVar[int]
    run_hashes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, run_hashes: _Optional[_Iterable[str]] = ...) -> None: ...

class PruneRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PruneReply(_message.Message):
    __slots__ = ("orphan_keys", "blobs", "blob_bytes", "blobs_claimed")
    ORPHAN_KEYS_FIELD_NUMBER: _ClassVar[int]
    BLOBS_FIELD_NUMBER: _ClassVar[int]
    BLOB_BYTES_FIELD_NUMBER: _ClassVar[int]
    BLOBS_CLAIMED_FIELD_NUMBER: _ClassVar[int]
    orphan_keys: int
    blobs: int
    blob_bytes: int
    blobs_claimed: int
    def __init__(self, orphan_keys: _Optional[int] = ..., blobs: _Optional[int] = ..., blob_bytes: _Optional[int] = ..., blobs_claimed: _Optional[int] = ...) -> None: ...

class ReportProgressRequest(_message.Message):
    __slots__ = ("run_hash", "expect_next_in_s", "finished", "at_step")
    RUN_HASH_FIELD_NUMBER: _ClassVar[int]
    EXPECT_NEXT_IN_S_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    AT_STEP_FIELD_NUMBER: _ClassVar[int]
    run_hash: str
    expect_next_in_s: float
    finished: bool
    at_step: int
    def __init__(self, run_hash: _Optional[str] = ..., expect_next_in_s: _Optional[float] = ..., finished: _Optional[bool] = ..., at_step: _Optional[int] = ...) -> None: ...
