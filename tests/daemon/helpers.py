"""Raw grpc against one daemon, for the protocol tests of each service (tests/daemon/test_*_service.py):
well-formed messages to spoil, one Track stream's outcome, and reads of what was stored."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import grpc
import numpy as np
import pytest

from aimproto import contract
from aimproto.v1 import common_pb2, reading_pb2, reading_pb2_grpc, tracking_pb2, tracking_pb2_grpc

MAX_MESSAGE_BYTES = 64 * 2**20
UNLIMITED = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]


@dataclass
class Daemon:
    """A daemon started for a module's tests, and raw grpc stubs on one channel to it."""

    repo: Path
    pid: int
    channel: grpc.Channel
    tracking: tracking_pb2_grpc.TrackingStub
    reading: reading_pb2_grpc.ReadingStub


def new_run(daemon: Daemon) -> str:
    run_hash = uuid.uuid4().hex[:24]
    daemon.tracking.OpenRun(
        tracking_pb2.OpenRunRequest(run_hash=run_hash, create=True, client_id="opener"), timeout=10
    )
    return run_hash


def chunk(run_hash: str, /, at=(0,), vals=None, *, dtype=common_pb2.DTYPE_INT, **fields):
    """A well-formed SeriesChunk of sequence 'x' {} (points at steps `at`, values `vals`, default
    the steps), unless fields say otherwise."""
    steps = np.asarray(at, "<i8")
    values = np.asarray(
        vals if vals is not None else steps, "<i8" if dtype == common_pb2.DTYPE_INT else "<f8"
    )
    base = dict(
        run_hash=run_hash,
        name="x",
        context="{}",
        dtype=dtype,
        count=len(steps),
        steps=steps.tobytes(),
        values=values.tobytes(),
        epochs=np.full(len(steps), np.nan, "<f8").tobytes(),
        timestamps=np.full(len(steps), 1.7e9, "<f8").tobytes(),
    )
    base.update(fields)
    return tracking_pb2.SeriesChunk(**base)


def hello(client_id: str) -> tracking_pb2.TrackRequest:
    return tracking_pb2.TrackRequest(hello=tracking_pb2.Hello(client_id=client_id))


def batch(seq: int, *chunks: tracking_pb2.SeriesChunk) -> tracking_pb2.TrackRequest:
    return tracking_pb2.TrackRequest(batch=tracking_pb2.Batch(seq=seq, series=list(chunks)))


@dataclass
class Outcome:
    acks: list[int]
    code: grpc.StatusCode
    details: str
    failed_seq: str | None
    refused: dict[int, list[tracking_pb2.RefusedPart]]  # by the seq of the ack that named them


def track(daemon: Daemon, requests: Iterable[tracking_pb2.TrackRequest]) -> Outcome:
    """Send requests on one Track stream (half-closing after them) and collect what comes back."""
    call = daemon.tracking.Track(iter(list(requests)), timeout=30)
    acks: list[int] = []
    refused: dict[int, list[tracking_pb2.RefusedPart]] = {}
    try:
        for ack in call:
            acks.append(ack.durable_seq)
            if ack.refused:
                refused[ack.durable_seq] = list(ack.refused)
    except grpc.RpcError:
        pass
    metadata = dict(call.trailing_metadata() or ())
    return Outcome(acks, call.code(), call.details() or "", metadata.get(contract.FAILED_SEQ_KEY), refused)


def read_points(daemon: Daemon, run_hash: str, name: str = "x", context: str = "{}") -> tuple[list, list]:
    request = reading_pb2.ReadSequenceRequest(run_hash=run_hash, name=name, context=context)
    chunks = list(daemon.reading.ReadSequence(request, timeout=10))
    dtype = "<f8" if chunks and chunks[0].dtype == common_pb2.DTYPE_FLOAT else "<i8"
    steps = np.frombuffer(b"".join(c.steps for c in chunks), "<i8").tolist()
    values = np.frombuffer(b"".join(c.values for c in chunks), dtype).tolist()
    return steps, values


def sequences(daemon: Daemon, run_hash: str) -> dict[tuple[str, str], common_pb2.SequenceInfo]:
    reply = daemon.reading.ListSequences(reading_pb2.RunRef(run_hash=run_hash), timeout=10)
    return {(s.name, s.context): s for s in reply.sequences}


def client() -> str:
    return f"client-{uuid.uuid4().hex}"


def assert_refused(call: Callable[[], object], code: str, message: str) -> None:
    """call() fails with the status code named code, and its details say message."""
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert caught.value.code() == getattr(grpc.StatusCode, code), caught.value.details()
    assert message in caught.value.details()
