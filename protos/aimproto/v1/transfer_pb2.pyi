from aimproto.v1 import common_pb2 as _common_pb2
from aimproto.v1 import tracking_pb2 as _tracking_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ImportStart(_message.Message):
    __slots__ = ("props", "params")
    PROPS_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    props: _common_pb2.RunProps
    params: _common_pb2.ParamValue
    def __init__(self, props: _Optional[_Union[_common_pb2.RunProps, _Mapping]] = ..., params: _Optional[_Union[_common_pb2.ParamValue, _Mapping]] = ...) -> None: ...

class ImportCommit(_message.Message):
    __slots__ = ("series", "points")
    SERIES_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    series: int
    points: int
    def __init__(self, series: _Optional[int] = ..., points: _Optional[int] = ...) -> None: ...

class ImportPart(_message.Message):
    __slots__ = ("start", "series", "objects", "blob", "commit")
    START_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    BLOB_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    start: ImportStart
    series: _tracking_pb2.SeriesChunk
    objects: _tracking_pb2.ObjectSeries
    blob: _tracking_pb2.BlobChunk
    commit: ImportCommit
    def __init__(self, start: _Optional[_Union[ImportStart, _Mapping]] = ..., series: _Optional[_Union[_tracking_pb2.SeriesChunk, _Mapping]] = ..., objects: _Optional[_Union[_tracking_pb2.ObjectSeries, _Mapping]] = ..., blob: _Optional[_Union[_tracking_pb2.BlobChunk, _Mapping]] = ..., commit: _Optional[_Union[ImportCommit, _Mapping]] = ...) -> None: ...

class ArchiveHeader(_message.Message):
    __slots__ = ("format_version", "producer", "created", "run_hashes")
    FORMAT_VERSION_FIELD_NUMBER: _ClassVar[int]
    PRODUCER_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    RUN_HASHES_FIELD_NUMBER: _ClassVar[int]
    format_version: int
    producer: str
    created: float
    run_hashes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, format_version: _Optional[int] = ..., producer: _Optional[str] = ..., created: _Optional[float] = ..., run_hashes: _Optional[_Iterable[str]] = ...) -> None: ...
