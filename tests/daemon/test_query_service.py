"""The Query service under bad requests, spoken with raw grpc."""

from __future__ import annotations

import grpc
import pytest

from aimproto.v1 import query_pb2, query_pb2_grpc
from tests.daemon.helpers import new_run

pytestmark = pytest.mark.usefixtures("still_serves")


@pytest.mark.parametrize(
    ("request_fields", "code", "words"),
    [
        ({"sequence_type": "scalars"}, grpc.StatusCode.INVALID_ARGUMENT, "unknown sequence type"),
        ({"timeout_s": -1}, grpc.StatusCode.INVALID_ARGUMENT, "timeout_s"),
        ({"timeout_s": 1e9}, grpc.StatusCode.INVALID_ARGUMENT, "timeout_s"),
        ({"offset": "no-such-run"}, grpc.StatusCode.NOT_FOUND, "offset"),
        ({"run_hash": "no such run!"}, grpc.StatusCode.NOT_FOUND, "does not exist"),
        ({"query": "run.hparams.lr >"}, grpc.StatusCode.INVALID_ARGUMENT, "syntax"),
        ({"query": "x" * 20_000}, grpc.StatusCode.INVALID_ARGUMENT, "longer than"),
        ({"query": "10**10**10"}, grpc.StatusCode.RESOURCE_EXHAUSTED, "integer"),
    ],
)
def test_bad_query_requests_get_a_status_that_names_the_problem(daemon, request_fields, code, words):
    new_run(daemon)
    stub = query_pb2_grpc.QueryStub(daemon.channel)
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.Query(query_pb2.QueryRequest(**request_fields), timeout=30))
    assert caught.value.code() == code
    assert words in caught.value.details()
    assert list(stub.Query(query_pb2.QueryRequest(), timeout=30))  # and the daemon serves on


def test_undecodable_query_request_is_invalid_argument(daemon):
    raw_query = daemon.channel.unary_stream(
        "/aimproto.v1.Query/Query",
        request_serializer=lambda data: data,
        response_deserializer=query_pb2.QueryChunk.FromString,
    )
    with pytest.raises(grpc.RpcError) as caught:
        list(raw_query(b"\x0a\x02\xff\xfe", timeout=10))  # query = 2 bytes of bad UTF-8
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "malformed aimproto.v1.QueryRequest" in caught.value.details()
