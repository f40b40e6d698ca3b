"""The Tracking service under bad clients, spoken with raw grpc: the Track stream, the handshake,
and the unary writes.
"""

from __future__ import annotations

import struct
import threading
import time
import uuid

import grpc
import numpy as np
import pytest

from aimproto.v1 import common_pb2, reading_pb2, tracking_pb2
from tests.daemon.helpers import (
    MAX_MESSAGE_BYTES,
    assert_refused,
    batch,
    chunk,
    client,
    hello,
    new_run,
    read_points,
    sequences,
    track,
)

pytestmark = pytest.mark.usefixtures("still_serves")


# --- the Track stream ------------------------------------------------------------------------
def test_track_stream_without_hello_is_invalid_argument(daemon):
    run_hash = new_run(daemon)
    out = track(daemon, [batch(1, chunk(run_hash))])
    assert out.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "first message of a Track stream must be a Hello" in out.details
    assert out.acks == [] and sequences(daemon, run_hash) == {}


@pytest.mark.parametrize("client_id", ["", "c" * 129])
def test_hello_with_a_bad_client_id_is_invalid_argument(daemon, client_id):
    out = track(daemon, [hello(client_id)])
    assert out.code == grpc.StatusCode.INVALID_ARGUMENT and "client_id must be 1..128 chars" in out.details


def test_a_second_hello_is_invalid_argument(daemon):
    c = client()
    out = track(daemon, [hello(c), hello(c)])
    assert out.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "only Batch messages may follow the Hello" in out.details


@pytest.mark.parametrize("column", ["steps", "values", "epochs", "timestamps"])
def test_column_length_not_matching_count_refuses_that_series_only(daemon, column):
    """1. Hello; batches 1 and 2 are good; batch 3 has one column a byte short; 2. acks 0, 1, 2, 3,
    the ack of 3 naming the series and the column (INVALID_ARGUMENT); 3. batches 1 and 2 are
    stored exactly, nothing of the bad series."""
    run_hash = new_run(daemon)
    bad = chunk(run_hash, [4, 5])
    setattr(bad, column, getattr(bad, column)[:-1])
    out = track(
        daemon,
        [
            hello(client()),
            batch(1, chunk(run_hash, [0, 1])),
            batch(2, chunk(run_hash, [2, 3])),
            batch(3, bad),
        ],
    )
    assert out.code == grpc.StatusCode.OK and out.acks == [0, 1, 2, 3]
    [part] = out.refused[3]
    assert (part.run_hash, part.name, part.context) == (run_hash, "x", "{}")
    assert f"{column} holds 15 bytes, expected 16 for 2 points" in part.reason
    assert part.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert read_points(daemon, run_hash) == ([0, 1, 2, 3], [0, 1, 2, 3])


def _too_long_context() -> str:
    return '{"a":"' + "x" * 4096 + '"}'


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"context": "{bad"}, "INVALID_ARGUMENT", "is not JSON"),
        ({"context": '{"b":1,"a":2}'}, "INVALID_ARGUMENT", "is not a canonical JSON object"),
        ({"context": '{"a": 1}'}, "INVALID_ARGUMENT", "is not a canonical JSON object"),
        ({"context": "[]"}, "INVALID_ARGUMENT", "is not a canonical JSON object"),
        ({"context": '{"a":NaN}'}, "INVALID_ARGUMENT", "not finite"),
        ({"context": '{"a":' + "[" * 2000 + "]" * 2000 + "}"}, "INVALID_ARGUMENT", "is not JSON"),
        ({"context": _too_long_context()}, "INVALID_ARGUMENT", "context is over 4096 bytes"),
        ({"name": ""}, "INVALID_ARGUMENT", "sequence name '' must be 1..256 chars"),
        ({"name": "n" * 257}, "INVALID_ARGUMENT", "must be 1..256 chars without NUL"),
        ({"name": "a\x00b"}, "INVALID_ARGUMENT", "without NUL"),
        ({"steps": struct.pack("<q", -1)}, "INVALID_ARGUMENT", "steps must be >= 0"),
        ({"dtype": 0}, "INVALID_ARGUMENT", "unknown dtype 0"),
        ({"dtype": 9}, "INVALID_ARGUMENT", "unknown dtype 9"),
        ({"run_hash": ""}, "INVALID_ARGUMENT", "run hash '' must be 1..64 chars"),
        ({"run_hash": "no such/run"}, "INVALID_ARGUMENT", "must be 1..64 chars of"),
        ({"run_hash": "feedfacefeedface"}, "NOT_FOUND", "run 'feedfacefeedface' does not exist"),
    ],
    ids=[
        "context not JSON",
        "context keys unsorted",
        "context with spaces",
        "context not an object",
        "context NaN",
        "context nested 2000 deep",
        "context over 4 KiB",
        "empty name",
        "257-char name",
        "NUL in name",
        "negative step",
        "dtype unspecified",
        "dtype unknown",
        "empty run hash",
        "malformed run hash",
        "unknown run",
    ],
)
def test_bad_series_is_refused_alone_with_a_clear_reason(daemon, fields, code, message):
    """1. Hello; batch 1 good; batch 2 holds a good series and a bad one; 2. both acknowledged, the
    ack of 2 naming the bad series with a code and a reason; 3. the good series of batch 2 is
    stored: a refused series never takes its neighbours with it."""
    run_hash = new_run(daemon)
    c = client()
    good = chunk(run_hash, [5], name="y")
    out = track(
        daemon, [hello(c), batch(1, chunk(run_hash, [0])), batch(2, good, chunk(run_hash, [1], **fields))]
    )
    assert out.code == grpc.StatusCode.OK, out.details
    assert out.acks == [0, 1, 2] and out.failed_seq is None
    [part] = out.refused[2]
    assert part.code == getattr(grpc.StatusCode, code).value[0]
    assert message in part.reason
    assert read_points(daemon, run_hash) == ([0], [0])
    assert read_points(daemon, run_hash, "y") == ([5], [5])


def test_batch_seq_zero_is_refused(daemon):
    run_hash = new_run(daemon)
    out = track(daemon, [hello(client()), batch(0, chunk(run_hash))])
    assert out.code == grpc.StatusCode.INVALID_ARGUMENT and "batch seq must be >= 1" in out.details
    assert out.failed_seq == "0"


def test_the_stream_goes_on_after_a_refused_series(daemon):
    """1. batch 1's only series is refused (unknown run): acknowledged, naming it; 2. batch 2 on
    the same stream is applied; a new stream's Hello says 2 is durable."""
    run_hash = new_run(daemon)
    c = client()
    first = track(daemon, [hello(c), batch(1, chunk("feedface0000")), batch(2, chunk(run_hash, [7], [70]))])
    assert first.code == grpc.StatusCode.OK and first.acks == [0, 1, 2]
    assert first.refused[1][0].code == grpc.StatusCode.NOT_FOUND.value[0]
    assert track(daemon, [hello(c)]).acks == [2]
    assert read_points(daemon, run_hash) == ([7], [70])


def test_replayed_batches_are_acknowledged_without_duplicating_points(daemon):
    """1. batches 1 and 2 on a stream; 2. a new stream of the same client: Hello says 2 is durable;
    replay 1 and 2 (with other values) and send 3; 3. each acknowledged, stored once, as first sent."""
    run_hash = new_run(daemon)
    c = client()
    first = track(
        daemon, [hello(c), batch(1, chunk(run_hash, [0, 1], [10, 11])), batch(2, chunk(run_hash, [2], [12]))]
    )
    assert first.code == grpc.StatusCode.OK and first.acks == [0, 1, 2]
    again = track(
        daemon,
        [
            hello(c),
            batch(1, chunk(run_hash, [0, 1], [99, 99])),
            batch(2, chunk(run_hash, [2], [99])),
            batch(3, chunk(run_hash, [3], [13])),
            batch(2, chunk(run_hash, [2], [99])),
        ],
    )
    assert again.code == grpc.StatusCode.OK
    assert again.acks == [2, 2, 2, 3, 3]
    assert read_points(daemon, run_hash) == ([0, 1, 2, 3], [10, 11, 12, 13])
    assert sequences(daemon, run_hash)[("x", "{}")].count == 4


def test_empty_series_stores_nothing(daemon):
    """An empty chunk neither creates a sequence nor turns an int sequence into floats."""
    run_hash = new_run(daemon)
    empty_int = chunk(run_hash, [], name="never")
    empty_float = chunk(run_hash, [], dtype=common_pb2.DTYPE_FLOAT)
    out = track(
        daemon, [hello(client()), batch(1, chunk(run_hash, [0], [5]), empty_int), batch(2, empty_float)]
    )
    assert out.code == grpc.StatusCode.OK and out.acks == [0, 1, 2]
    seqs = sequences(daemon, run_hash)
    assert set(seqs) == {("x", "{}")}
    assert seqs[("x", "{}")].dtype == common_pb2.DTYPE_INT and seqs[("x", "{}")].count == 1
    assert read_points(daemon, run_hash) == ([0], [5])


def test_message_over_the_max_size_is_resource_exhausted(daemon):
    """1. a Track batch and a SetParams call just over 64 MiB; 2. RESOURCE_EXHAUSTED for both, and
    nothing of them stored."""
    run_hash = new_run(daemon)
    n = MAX_MESSAGE_BYTES // 32 + 1024  # four 8-byte columns
    out = track(daemon, [hello(client()), batch(1, chunk(run_hash, np.arange(n)))])
    assert out.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "larger than max" in out.details
    assert sequences(daemon, run_hash) == {}
    request = tracking_pb2.SetParamsRequest(
        run_hash=run_hash,
        path=common_pb2.ParamPath(keys=["blob"]),
        value=common_pb2.ParamValue(bytes_value=bytes(MAX_MESSAGE_BYTES)),
    )
    with pytest.raises(grpc.RpcError) as caught:
        daemon.tracking.SetParams(request, timeout=30)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_undecodable_bytes_are_invalid_argument(daemon):
    """A request whose bytes are not its message (a string with bad UTF-8) is INVALID_ARGUMENT, on
    the Track stream and on a unary call alike."""
    run_hash = new_run(daemon)
    raw_track = daemon.channel.stream_stream(
        "/aimproto.v1.Tracking/Track",
        request_serializer=lambda data: data,
        response_deserializer=tracking_pb2.TrackAck.FromString,
    )
    good = batch(1, chunk(run_hash, name="AB")).SerializeToString()
    assert b"AB" in good
    call = raw_track(
        iter([hello(client()).SerializeToString(), good.replace(b"AB", b"\xff\xfe")]), timeout=30
    )
    with pytest.raises(grpc.RpcError):
        list(call)
    assert call.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "malformed aimproto.v1.TrackRequest" in call.details()
    raw_open = daemon.channel.unary_unary(
        "/aimproto.v1.Tracking/OpenRun",
        request_serializer=lambda data: data,
        response_deserializer=tracking_pb2.OpenRunReply.FromString,
    )
    with pytest.raises(grpc.RpcError) as caught:
        raw_open(b"\x0a\x02\xff\xfe", timeout=10)  # run_hash = 2 bytes of bad UTF-8
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "malformed aimproto.v1.OpenRunRequest" in caught.value.details()
    assert sequences(daemon, run_hash) == {}


def test_client_that_vanishes_mid_stream_leaves_its_acknowledged_points_and_detaches(daemon):
    """1. a client attaches to a run (OpenRun) and tracks one batch; 2. it cancels its stream
    without closing the run; 3. its points stay and the run turns inactive (no client left)."""
    run_hash = uuid.uuid4().hex[:24]
    c = client()
    daemon.tracking.OpenRun(
        tracking_pb2.OpenRunRequest(run_hash=run_hash, create=True, client_id=c), timeout=10
    )
    get_run = reading_pb2.RunRef(run_hash=run_hash)
    assert daemon.reading.GetRun(get_run, timeout=10).active

    cancelled = threading.Event()

    def requests():
        yield hello(c)
        yield batch(1, chunk(run_hash, [0, 1], [3, 4]))
        cancelled.wait(30)  # never half-closes: the stream is cancelled from outside

    call = daemon.tracking.Track(requests(), timeout=30)
    acks = []
    for ack in call:
        acks.append(ack.durable_seq)
        if ack.durable_seq == 1:
            call.cancel()
            break
    cancelled.set()
    assert acks == [0, 1]
    deadline = time.monotonic() + 10
    while daemon.reading.GetRun(get_run, timeout=10).active:
        assert time.monotonic() < deadline, "the run stayed active after its only client vanished"
        time.sleep(0.01)
    assert read_points(daemon, run_hash) == ([0, 1], [3, 4])


# --- unary calls -----------------------------------------------------------------------------
@pytest.mark.parametrize("version", [0, 1, 7])
def test_handshake_with_another_protocol_version_names_both(daemon, version):
    request = tracking_pb2.HandshakeRequest(protocol_version=version, client_version="9.9")
    with pytest.raises(grpc.RpcError) as caught:
        daemon.tracking.Handshake(request, timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = caught.value.details()
    assert f"protocol version {version} is not supported" in details
    assert f"this daemon speaks {common_pb2.PROTOCOL_VERSION_CURRENT}" in details


def test_handshake_with_the_current_version_states_the_limits(daemon):
    request = tracking_pb2.HandshakeRequest(protocol_version=common_pb2.PROTOCOL_VERSION_CURRENT)
    reply = daemon.tracking.Handshake(request, timeout=10)
    assert reply.protocol_version == common_pb2.PROTOCOL_VERSION_CURRENT
    assert reply.max_message_bytes == MAX_MESSAGE_BYTES and reply.daemon_version


def _deep_path() -> list[str]:
    return ["k"] * 33


@pytest.mark.parametrize(
    ("call", "code", "message"),
    [
        (
            lambda d, h: d.tracking.OpenRun(
                tracking_pb2.OpenRunRequest(run_hash="a b", create=True, client_id="c")
            ),
            "INVALID_ARGUMENT",
            "run hash 'a b' must be",
        ),
        (
            lambda d, h: d.tracking.OpenRun(
                tracking_pb2.OpenRunRequest(run_hash=h, create=True, client_id="c")
            ),
            "ALREADY_EXISTS",
            "already exists",
        ),
        (
            lambda d, h: d.tracking.OpenRun(tracking_pb2.OpenRunRequest(run_hash="feedface", client_id="c")),
            "NOT_FOUND",
            "run 'feedface' does not exist",
        ),
        (
            lambda d, h: d.tracking.OpenRun(tracking_pb2.OpenRunRequest(run_hash="fresh1", create=True)),
            "INVALID_ARGUMENT",
            "client_id must be",
        ),
        (
            lambda d, h: d.tracking.SetParams(
                tracking_pb2.SetParamsRequest(run_hash=h, value=common_pb2.ParamValue())
            ),
            "INVALID_ARGUMENT",
            "empty ParamValue",
        ),
        (
            lambda d, h: d.tracking.SetParams(
                tracking_pb2.SetParamsRequest(run_hash=h, value=common_pb2.ParamValue(int_value=1))
            ),
            "INVALID_ARGUMENT",
            "whole params tree (run[...]) must be a dict",
        ),
        (
            lambda d, h: d.tracking.SetParams(
                tracking_pb2.SetParamsRequest(
                    run_hash=h,
                    path=common_pb2.ParamPath(keys=_deep_path()),
                    value=common_pb2.ParamValue(int_value=1),
                )
            ),
            "INVALID_ARGUMENT",
            "deeper than 32",
        ),
        (
            lambda d, h: d.tracking.SetParams(
                tracking_pb2.SetParamsRequest(
                    run_hash=h,
                    path=common_pb2.ParamPath(keys=["a\x00b"]),
                    value=common_pb2.ParamValue(int_value=1),
                )
            ),
            "INVALID_ARGUMENT",
            "without NUL",
        ),
        (
            lambda d, h: d.tracking.AddTag(tracking_pb2.TagRequest(run_hash=h, tag="")),
            "INVALID_ARGUMENT",
            "a tag must not be empty",
        ),
        (
            lambda d, h: d.tracking.SetProps(tracking_pb2.SetPropsRequest(run_hash=h, name="n" * 5000)),
            "INVALID_ARGUMENT",
            "name must be a str of at most 4096 chars",
        ),
    ],
    ids=[
        "open bad hash",
        "create twice",
        "resume unknown",
        "no client id",
        "empty param value",
        "root not a dict",
        "params 33 deep",
        "NUL in params key",
        "empty tag",
        "long name",
    ],
)
def test_bad_unary_request_gets_a_clear_status(daemon, call, code, message):
    assert_refused(lambda: call(daemon, new_run(daemon)), code, message)


def test_deleting_a_missing_param_is_no_error_but_a_missing_run_is(daemon):
    """As in Aim (del run['x'] of nothing passes), and a retried delete finds nothing to delete."""
    run_hash = new_run(daemon)
    delete = tracking_pb2.DeleteParamsRequest(run_hash=run_hash, path=common_pb2.ParamPath(keys=["nope"]))
    assert daemon.tracking.DeleteParams(delete) == tracking_pb2.Empty()
    delete.run_hash = "feedface"
    assert_refused(lambda: daemon.tracking.DeleteParams(delete), "NOT_FOUND", "run 'feedface' does not exist")


PARAM_BYTES = 192 * 2**10


def test_callers_that_give_up_while_their_writes_wait_do_not_stop_the_writer(daemon):
    """1. fire many SetParams, and a Track stream, with deadlines that expire while their writes
    still wait in the daemon's write queue (their handlers are cancelled mid-wait); 2. the daemon
    still writes: a new write succeeds within a short deadline; 3. what landed is whole: every
    acknowledged batch is stored, no batch in part, and each param that landed is complete."""
    run_hash = new_run(daemon)
    # big enough that writes queue up; small enough that all 300 in one GetParams reply stay under
    # the 64 MiB message limit (a slow machine lets more of them land before their deadlines)
    payload = common_pb2.ParamValue(bytes_value=bytes(PARAM_BYTES))
    calls = [
        daemon.tracking.SetParams.future(
            tracking_pb2.SetParamsRequest(
                run_hash=run_hash, path=common_pb2.ParamPath(keys=[f"k{i}"]), value=payload
            ),
            timeout=0.002 * (i % 10 + 1),
        )
        for i in range(300)
    ]
    batches = [batch(seq, chunk(run_hash, np.arange(seq * 1000, seq * 1000 + 1000))) for seq in range(1, 40)]
    stream = daemon.tracking.Track(iter([hello(client()), *batches]), timeout=0.05)
    expired = 0
    for call in calls:
        try:
            call.result()
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            expired += 1
    acked = 0
    try:
        for ack in stream:
            acked = ack.durable_seq
    except grpc.RpcError as exc:
        assert exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert expired, "no call expired while waiting: the scenario did not happen"
    daemon.tracking.SetParams(
        tracking_pb2.SetParamsRequest(
            run_hash=run_hash,
            path=common_pb2.ParamPath(keys=["after"]),
            value=common_pb2.ParamValue(int_value=1),
        ),
        timeout=10,
    )
    steps, _ = read_points(daemon, run_hash) if sequences(daemon, run_hash) else ([], [])
    assert len(steps) % 1000 == 0 and len(steps) >= 1000 * acked
    assert steps == list(range(1000, 1000 + len(steps)))  # whole batches, in seq order
    params = daemon.reading.GetParams(reading_pb2.GetParamsRequest(run_hash=run_hash), timeout=10)
    keys = {entry.key: entry.value for entry in params.dict_value.entries}
    assert keys["after"].int_value == 1
    assert all(len(v.bytes_value) == PARAM_BYTES for k, v in keys.items() if k != "after")
