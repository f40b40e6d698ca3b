from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProtocolVersion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROTOCOL_VERSION_UNSPECIFIED: _ClassVar[ProtocolVersion]
    PROTOCOL_VERSION_CURRENT: _ClassVar[ProtocolVersion]

class DType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DTYPE_UNSPECIFIED: _ClassVar[DType]
    DTYPE_INT: _ClassVar[DType]
    DTYPE_FLOAT: _ClassVar[DType]
    DTYPE_IMAGE: _ClassVar[DType]
    DTYPE_IMAGE_LIST: _ClassVar[DType]
    DTYPE_DISTRIBUTION: _ClassVar[DType]
    DTYPE_TEXT: _ClassVar[DType]
    DTYPE_TEXT_LIST: _ClassVar[DType]
    DTYPE_AUDIO: _ClassVar[DType]
    DTYPE_AUDIO_LIST: _ClassVar[DType]
    DTYPE_FIGURE: _ClassVar[DType]
    DTYPE_LOG_RECORD: _ClassVar[DType]

class Limits(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIMITS_UNSPECIFIED: _ClassVar[Limits]
    BLOB_CHUNK_BYTES: _ClassVar[Limits]
PROTOCOL_VERSION_UNSPECIFIED: ProtocolVersion
PROTOCOL_VERSION_CURRENT: ProtocolVersion
DTYPE_UNSPECIFIED: DType
DTYPE_INT: DType
DTYPE_FLOAT: DType
DTYPE_IMAGE: DType
DTYPE_IMAGE_LIST: DType
DTYPE_DISTRIBUTION: DType
DTYPE_TEXT: DType
DTYPE_TEXT_LIST: DType
DTYPE_AUDIO: DType
DTYPE_AUDIO_LIST: DType
DTYPE_FIGURE: DType
DTYPE_LOG_RECORD: DType
LIMITS_UNSPECIFIED: Limits
BLOB_CHUNK_BYTES: Limits

class ParamValue(_message.Message):
    __slots__ = ("null", "bool_value", "int_value", "big_int", "float_value", "string_value", "bytes_value", "list_value", "tuple_value", "dict_value")
    NULL_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    BIG_INT_FIELD_NUMBER: _ClassVar[int]
    FLOAT_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    BYTES_VALUE_FIELD_NUMBER: _ClassVar[int]
    LIST_VALUE_FIELD_NUMBER: _ClassVar[int]
    TUPLE_VALUE_FIELD_NUMBER: _ClassVar[int]
    DICT_VALUE_FIELD_NUMBER: _ClassVar[int]
    null: bool
    bool_value: bool
    int_value: int
    big_int: str
    float_value: float
    string_value: str
    bytes_value: bytes
    list_value: ParamList
    tuple_value: ParamList
    dict_value: ParamDict
    def __init__(self, null: _Optional[bool] = ..., bool_value: _Optional[bool] = ..., int_value: _Optional[int] = ..., big_int: _Optional[str] = ..., float_value: _Optional[float] = ..., string_value: _Optional[str] = ..., bytes_value: _Optional[bytes] = ..., list_value: _Optional[_Union[ParamList, _Mapping]] = ..., tuple_value: _Optional[_Union[ParamList, _Mapping]] = ..., dict_value: _Optional[_Union[ParamDict, _Mapping]] = ...) -> None: ...

class ParamList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ParamValue]
    def __init__(self, items: _Optional[_Iterable[_Union[ParamValue, _Mapping]]] = ...) -> None: ...

class ParamDict(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[ParamEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[ParamEntry, _Mapping]]] = ...) -> None: ...

class ParamEntry(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: ParamValue
    def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ParamValue, _Mapping]] = ...) -> None: ...

class ParamPath(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, keys: _Optional[_Iterable[str]] = ...) -> None: ...

class RunProps(_message.Message):
    __slots__ = ("hash", "name", "description", "experiment", "tags", "archived", "creation_time", "end_time", "active", "status")
    HASH_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    hash: str
    name: str
    description: str
    experiment: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    archived: bool
    creation_time: float
    end_time: float
    active: bool
    status: str
    def __init__(self, hash: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., experiment: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., archived: _Optional[bool] = ..., creation_time: _Optional[float] = ..., end_time: _Optional[float] = ..., active: _Optional[bool] = ..., status: _Optional[str] = ...) -> None: ...

class SequenceInfo(_message.Message):
    __slots__ = ("name", "context", "dtype", "count", "first_step", "last_step", "first_value", "last_value", "min_value", "max_value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_STEP_FIELD_NUMBER: _ClassVar[int]
    LAST_STEP_FIELD_NUMBER: _ClassVar[int]
    FIRST_VALUE_FIELD_NUMBER: _ClassVar[int]
    LAST_VALUE_FIELD_NUMBER: _ClassVar[int]
    MIN_VALUE_FIELD_NUMBER: _ClassVar[int]
    MAX_VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    context: str
    dtype: DType
    count: int
    first_step: int
    last_step: int
    first_value: float
    last_value: float
    min_value: float
    max_value: float
    def __init__(self, name: _Optional[str] = ..., context: _Optional[str] = ..., dtype: _Optional[_Union[DType, str]] = ..., count: _Optional[int] = ..., first_step: _Optional[int] = ..., last_step: _Optional[int] = ..., first_value: _Optional[float] = ..., last_value: _Optional[float] = ..., min_value: _Optional[float] = ..., max_value: _Optional[float] = ...) -> None: ...
