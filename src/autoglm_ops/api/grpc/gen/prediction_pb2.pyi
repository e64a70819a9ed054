from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PredictRequest(_message.Message):
    __slots__ = ("task", "text")
    TASK_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    task: str
    text: str
    def __init__(self, task: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class PredictResponse(_message.Message):
    __slots__ = ("fields", "model", "request_id", "review")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    fields: _containers.MessageMap[str, _struct_pb2.Value]
    model: str
    request_id: str
    review: Review
    def __init__(self, fields: _Optional[_Mapping[str, _struct_pb2.Value]] = ..., model: _Optional[str] = ..., request_id: _Optional[str] = ..., review: _Optional[_Union[Review, _Mapping]] = ...) -> None: ...

class ExtractRequest(_message.Message):
    __slots__ = ("task", "text", "backend")
    TASK_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    task: str
    text: str
    backend: str
    def __init__(self, task: _Optional[str] = ..., text: _Optional[str] = ..., backend: _Optional[str] = ...) -> None: ...

class Evidence(_message.Message):
    __slots__ = ("start", "end", "text")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    text: str
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ..., text: _Optional[str] = ...) -> None: ...

class FieldResult(_message.Message):
    __slots__ = ("value", "confidence", "evidence", "reasons")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    value: _struct_pb2.Value
    confidence: float
    evidence: Evidence
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., confidence: _Optional[float] = ..., evidence: _Optional[_Union[Evidence, _Mapping]] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class Review(_message.Message):
    __slots__ = ("required", "reasons")
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    required: bool
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, required: _Optional[bool] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class ExtractResponse(_message.Message):
    __slots__ = ("request_id", "task", "data", "fields", "model", "review")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: FieldResult
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[FieldResult, _Mapping]] = ...) -> None: ...
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    task: str
    data: _struct_pb2.Struct
    fields: _containers.MessageMap[str, FieldResult]
    model: str
    review: Review
    def __init__(self, request_id: _Optional[str] = ..., task: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., fields: _Optional[_Mapping[str, FieldResult]] = ..., model: _Optional[str] = ..., review: _Optional[_Union[Review, _Mapping]] = ...) -> None: ...

class GetRequestRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class StoredRequest(_message.Message):
    __slots__ = ("request_id", "task", "model", "created_at", "latency_ms", "data", "fields", "review")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: FieldResult
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[FieldResult, _Mapping]] = ...) -> None: ...
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    task: str
    model: str
    created_at: str
    latency_ms: float
    data: _struct_pb2.Struct
    fields: _containers.MessageMap[str, FieldResult]
    review: Review
    def __init__(self, request_id: _Optional[str] = ..., task: _Optional[str] = ..., model: _Optional[str] = ..., created_at: _Optional[str] = ..., latency_ms: _Optional[float] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., fields: _Optional[_Mapping[str, FieldResult]] = ..., review: _Optional[_Union[Review, _Mapping]] = ...) -> None: ...
