"""Dozens of open Track streams do not starve other calls (the server is asyncio, not a thread per stream)."""

from __future__ import annotations

import threading

import grpc

from aim import Run
from aimproto.v1 import reading_pb2, reading_pb2_grpc, tracking_pb2, tracking_pb2_grpc


def test_many_open_track_streams_leave_room_for_other_calls(repo):
    """1. start the daemon; 2. hold 64 Track streams open; 3. other calls still answer; 4. a run tracks."""
    with Run(repo=str(repo)) as first:
        first.track(1.0, name="x")
    address = (repo / ".aim" / "aimd.addr").read_text().split()[0]
    channel = grpc.insecure_channel(address)
    tracking = tracking_pb2_grpc.TrackingStub(channel)
    release = threading.Event()

    def hello_then_hold(i: int):
        yield tracking_pb2.TrackRequest(hello=tracking_pb2.Hello(client_id=f"idle-{i}"))
        release.wait(60)  # keep the stream open (half-closed only when released)

    streams = [tracking.Track(hello_then_hold(i)) for i in range(64)]
    # each stream's Hello is answered with the client's durable seq (0): all 64 are open at once
    for call in streams:
        assert next(call).durable_seq == 0
    reading = reading_pb2_grpc.ReadingStub(channel)
    props = reading.GetRun(reading_pb2.RunRef(run_hash=first.hash), timeout=5)
    assert props.hash == first.hash
    with Run(repo=str(repo)) as second:
        second.track(2.0, name="x")
    assert Run(second.hash, repo=str(repo), read_only=True).get_metric("x").values.values_list() == [2.0]
    assert not any(call.done() for call in streams)  # all still open
    release.set()
    for call in streams:
        assert list(call) == []  # half-closed by us: each ends cleanly, nothing more to ack
    channel.close()
