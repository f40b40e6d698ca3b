"""Object points on their way to the wire: encoding (PNG & co., a SHA-256 per payload) on an
encoder pool, and packing the encoded points into Track batches, each payload not sent before
going first as BlobChunks of BLOB_CHUNK_BYTES, so no message exceeds the daemon's cap."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

import numpy as np

from aimproto.v1 import common_pb2, tracking_pb2

BLOB_CHUNK_BYTES = common_pb2.BLOB_CHUNK_BYTES  # the wire contract's fixed chunk size (1 MiB)
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
ENCODE_THREADS = min(8, _CORES)  # measured on 2 cores: 2 threads best (3 or 4 oversubscribe: slower)
ENCODE_GROUP_MIN = 4  # object points per encoder task, at least
MAX_SENT_BLOBS = 100_000  # SHA-256s remembered as sent (beyond: forgotten, the daemon still dedups)

Record = tuple[str, bytes, bytes]  # meta JSON, payload, SHA-256 of the payload
EncodedPoint = tuple[int, float, float, list[Record]]  # step, epoch, time, records


class ObjectBuffer(Protocol):
    """What the sender needs of an object sequence's buffer (aim._tracking.buffers.ObjectWriter)."""

    @property
    def run_hash(self) -> str: ...

    name: str
    context: str
    dtype: int
    heavy: bool  # encode on the encoder threads

    max_items: int  # points its buffer holds before track() waits for the batcher
    limit: int  # set to 0 by the sender when it has an error for the next track()

    def __len__(self) -> int: ...

    def take(self, limit: int) -> list[Any]: ...

    def encode(self, item: Any) -> EncodedPoint: ...


class SentBlobs:
    """The SHA-256s of the payloads this process has queued (a payload goes once)."""

    def __init__(self) -> None:
        self._sent: set[bytes] = set()

    def first_time(self, sha: bytes) -> bool:
        """True when the blob still needs sending (and mark it as sent)."""
        sent = self._sent
        if sha in sent:
            return False
        if len(sent) >= MAX_SENT_BLOBS:
            sent.clear()
        sent.add(sha)
        return True

    def clear(self) -> None:
        """A new Track stream: the daemon keeps a blob for this client only while it claims it
        (aimd.ingest.claims), that is from the stream that carried or named it on."""
        self._sent.clear()

    def forget(self, shas: Iterable[bytes]) -> None:
        """Their batch was refused: send them again the next time they are tracked."""
        self._sent.difference_update(shas)


class Packer:
    """Packs encoded object points into batches of about max_bytes: each payload not sent before,
    as chunks, before the first point that names it. Builds the messages in place (a message
    added to a repeated field later would be copied)."""

    def __init__(
        self,
        sent: SentBlobs,
        queue: Callable[[tracking_pb2.TrackRequest, tuple[bytes, ...]], Any],
        max_bytes: int,
    ) -> None:
        self.sent = sent
        self.queue = queue  # numbers and queues a full batch, with the SHA-256s of its blobs
        self.max_bytes = max_bytes
        self.request = tracking_pb2.TrackRequest()
        self.shas: list[bytes] = []  # of the blobs in this batch
        self.bytes = 0
        self.buffer: ObjectBuffer | None = None  # whose points the columns below hold
        self._reset_columns()

    def _reset_columns(self) -> None:
        self.steps: list[int] = []
        self.epochs: list[float] = []
        self.stamps: list[float] = []
        self.counts: list[int] = []
        self.metas: list[str] = []
        self.point_shas: list[bytes] = []

    def add(self, buffer: ObjectBuffer, point: EncodedPoint) -> None:
        step, epoch, stamp, records = point
        for _, payload, sha in records:
            if self.sent.first_time(sha):
                self._add_blob(sha, payload)
        if buffer is not self.buffer:
            self._close_series()
            self.buffer = buffer
        self.steps.append(step)
        self.epochs.append(epoch)
        self.stamps.append(stamp)
        self.counts.append(len(records))
        for meta, _, sha in records:
            self.metas.append(meta)
            self.point_shas.append(sha)
            self.bytes += len(meta) + 40
        self.bytes += 32
        if self.bytes >= self.max_bytes:
            self.cut()

    def _add_blob(self, sha: bytes, payload: bytes) -> None:
        size = len(payload)
        if size <= BLOB_CHUNK_BYTES:  # the common case: one chunk
            if self.bytes and self.bytes + size > self.max_bytes:
                self.cut()
            self.shas.append(sha)
            self.request.batch.blobs.add(sha256=sha, size=size, index=0, data=payload)
            self.bytes += size + 48
            return
        for index, start in enumerate(range(0, size, BLOB_CHUNK_BYTES)):
            data = payload[start : start + BLOB_CHUNK_BYTES]
            if self.bytes and self.bytes + len(data) > self.max_bytes:
                self.cut()
            self.shas.append(sha)  # in every batch with one of its chunks: a refusal resends it all
            self.request.batch.blobs.add(sha256=sha, size=size, index=index, data=data)
            self.bytes += len(data) + 48

    def _close_series(self) -> None:
        buffer = self.buffer
        if buffer is None or not self.steps:
            return
        self.request.batch.objects.add(
            run_hash=buffer.run_hash,
            name=buffer.name,
            context=buffer.context,
            dtype=buffer.dtype,  # type: ignore[arg-type,unused-ignore]  # a DType code as int: the stubs want the enum
            count=len(self.steps),
            steps=_column("<i8", self.steps),
            epochs=_column("<f8", self.epochs),
            timestamps=_column("<f8", self.stamps),
            record_counts=self.counts,
            metas=self.metas,
            shas=b"".join(self.point_shas),
        )
        self._reset_columns()

    def cut(self) -> None:
        """Queue what is packed as one batch."""
        self._close_series()
        batch = self.request.batch
        if len(batch.blobs) or len(batch.objects):
            self.queue(self.request, tuple(dict.fromkeys(self.shas)))
            self.request = tracking_pb2.TrackRequest()
        self.shas, self.bytes = [], 0


def _column(fmt: str, values: list[Any]) -> bytes:
    return np.array(values, fmt).tobytes()


def encode_each(
    encode: Callable[[Any], EncodedPoint], items: Iterable[Any]
) -> Iterator[EncodedPoint | BaseException]:
    """encode(item) per item, in order; an exception in place of the point it failed."""
    for item in items:
        try:
            yield encode(item)
        except Exception as exc:  # a bad object: reported, and only its point is dropped
            yield exc


class Encoders:
    """Daemon threads that run encoding tasks; map() returns results in order. Daemon threads (not
    a ThreadPoolExecutor, which refuses work once the interpreter starts exiting) keep working
    for the flush at exit."""

    def __init__(self, count: int) -> None:
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        for i in range(count):
            threading.Thread(target=self._work, name=f"aim-encoder-{i}", daemon=True).start()

    def _work(self) -> None:
        while True:
            fn, arg, slot = self._tasks.get()
            try:
                slot.put((True, fn(arg)))
            except BaseException as exc:  # handed to the caller, who raises it
                slot.put((False, exc))

    def map(self, fn: Callable[[Any], Any], args: list[Any]) -> Iterator[Any]:
        """Start fn(arg) for every arg now; the results, in order, as they are iterated."""
        slots = []
        for arg in args:
            slot: queue.SimpleQueue = queue.SimpleQueue()
            self._tasks.put((fn, arg, slot))
            slots.append(slot)
        return self._results(slots)

    @staticmethod
    def _results(slots: list[queue.SimpleQueue]) -> Iterator[Any]:
        for slot in slots:
            ok, result = slot.get()
            if not ok:
                raise result
            yield result


def encoded(
    buffer: ObjectBuffer, items: list[Any], encoders: Callable[[], Encoders]
) -> Iterator[EncodedPoint | BaseException]:
    """The items encoded, in order: on the encoder threads for heavy kinds (starting at once),
    else here, as they are consumed. encoders: the pool (made on first use)."""
    if not buffer.heavy or len(items) < 2 * ENCODE_GROUP_MIN or ENCODE_THREADS < 2:
        return encode_each(buffer.encode, items)
    size = max(ENCODE_GROUP_MIN, -(-len(items) // (2 * ENCODE_THREADS)))
    groups = [items[i : i + size] for i in range(0, len(items), size)]
    results = encoders().map(lambda group: list(encode_each(buffer.encode, group)), groups)
    return (point for group in results for point in group)
