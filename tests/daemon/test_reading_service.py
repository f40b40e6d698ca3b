"""The Reading service under bad requests, spoken with raw grpc."""

from __future__ import annotations

import pytest

from aimproto.v1 import common_pb2, reading_pb2
from tests.daemon.helpers import assert_refused, new_run

pytestmark = pytest.mark.usefixtures("still_serves")


@pytest.mark.parametrize(
    ("call", "code", "message"),
    [
        (
            lambda d, h: d.reading.GetRun(reading_pb2.RunRef(run_hash="feedface")),
            "NOT_FOUND",
            "run 'feedface' does not exist",
        ),
        (
            lambda d, h: d.reading.GetParams(
                reading_pb2.GetParamsRequest(run_hash=h, path=common_pb2.ParamPath(keys=["a\x00b"]))
            ),
            "INVALID_ARGUMENT",
            "without NUL",
        ),
        (
            lambda d, h: d.reading.GetParams(
                reading_pb2.GetParamsRequest(run_hash=h, path=common_pb2.ParamPath(keys=["nope"]))
            ),
            "NOT_FOUND",
            "has no param 'nope'",
        ),
        (
            lambda d, h: d.reading.ReadSequence(
                reading_pb2.ReadSequenceRequest(run_hash=h, name="nope", context="{}")
            ).next(),
            "NOT_FOUND",
            "has no sequence 'nope'",
        ),
    ],
    ids=[
        "get unknown run",
        "read NUL params key",
        "read missing param",
        "read missing sequence",
    ],
)
def test_bad_unary_request_gets_a_clear_status(daemon, call, code, message):
    assert_refused(lambda: call(daemon, new_run(daemon)), code, message)
