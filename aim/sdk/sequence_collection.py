"""`from aim.sdk.sequence_collection import QuerySequenceCollection`, as in Aim's documentation."""

from aim._model.collections import (
    QueryRunSequenceCollection,
    QuerySequenceCollection,
    SequenceCollection,
    SingleRunSequenceCollection,
)

__all__ = [
    "QueryRunSequenceCollection",
    "QuerySequenceCollection",
    "SequenceCollection",
    "SingleRunSequenceCollection",
]
