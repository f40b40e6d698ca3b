"""Typed calls to the daemon returning plain values; grpc errors become aim.errors here only."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import grpc
import numpy as np

from aim import errors
from aim._transport import codec, credentials
from aim._transport.channel import MAX_MESSAGE_BYTES, Target, cached, open_channel
from aim._transport.results import GroupStats, QueryProgress, RunMatch
from aim._transport.watching import WatchStream
from aimproto import contract, convert
from aimproto.v1 import (
    common_pb2,
    documents_pb2,
    documents_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
    reading_pb2,
    reading_pb2_grpc,
    tracking_pb2,
    tracking_pb2_grpc,
    transfer_pb2,
    transfer_pb2_grpc,
    watch_pb2,
    watch_pb2_grpc,
)

CLIENT_VERSION = "0.1.0"
HANDSHAKE_TIMEOUT_S = 10.0
CALL_TIMEOUT_S = 60.0
# How long a call, Run() and the sender keep retrying while the daemon is unreachable (restarting,
# starting, gone) before they give up with DaemonUnavailable naming the cause.
RETRY_TIMEOUT_S = float(os.environ.get("AIM_DAEMON_RETRY_TIMEOUT", "60"))
RETRY_BACKOFF_S = (0.05, 1.0)

log = logging.getLogger("aim")


def map_error(exc: grpc.RpcError) -> errors.AimError:
    """The most specific AimError for a failed call."""
    code, detail = exc.code(), exc.details() or ""
    if code == grpc.StatusCode.NOT_FOUND:
        return errors.MissingRunError(detail)
    if code == grpc.StatusCode.ALREADY_EXISTS:
        return errors.RunExistsError(detail)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return errors.AuthenticationError(detail)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return errors.PermissionDeniedError(detail)
    if code in (
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.FAILED_PRECONDITION,
    ):
        return errors.RequestRejected(detail)
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return errors.DaemonUnavailable(f"the daemon did not answer: {detail}")
    return errors.AimError(f"the daemon failed the request ({code.name}): {detail}")


def map_query_error(exc: grpc.RpcError, query: str) -> Exception:
    """SyntaxError (with line and offset), QueryBudgetError or QueryError for a failed query."""
    kind = dict(exc.trailing_metadata() or ()).get(contract.QUERY_ERROR_KEY, "")
    detail = exc.details() or ""
    if kind.startswith("syntax"):
        _, line, offset = kind.split()
        lines = query.splitlines() or [""]
        text = lines[min(max(int(line), 1), len(lines)) - 1]
        return SyntaxError(detail, ("<query>", int(line), int(offset), text))
    if kind == "budget":
        return errors.QueryBudgetError(detail)
    if kind == "query":
        return errors.QueryError(detail)
    return map_error(exc)


class Client:
    """A connection to one daemon for this process; reconnects (starting the daemon) when it went away."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.client_id = uuid.uuid4().hex
        self._lock = threading.Lock()
        self.generation = 0
        self._channel: grpc.Channel | None = None
        self.settle: Callable[[], None] = _nothing_pending  # called before every read (read_after)
        if self.target.remote:  # nothing to start: a remote that does not answer is said at once
            self._connect(start=False)
        else:
            self._retrying(lambda: self._connect(start=False), None)

    def read_after(self, settle: Callable[[], None]) -> None:
        """Make every read first call settle: this process's sender waits there until the points
        tracked before the read are durable (read your writes); without a sender, nothing to wait for."""
        self.settle = settle

    # --- connection -------------------------------------------------------------------
    def _connect(self, *, start: bool) -> None:
        try:
            self._open(self.target.address(start=start), just_started=start)
        except errors.DaemonSetupError:
            raise
        except errors.DaemonUnavailable:
            if start or self.target.remote:
                raise
            self._open(self.target.address(start=True), just_started=True)

    def _open(self, address: str, *, just_started: bool) -> None:
        if self._channel is not None:
            self._channel.close()
        self._channel = open_channel(address, self.target.endpoint)
        self.tracking = tracking_pb2_grpc.TrackingStub(self._channel)
        self.reading = reading_pb2_grpc.ReadingStub(self._channel)
        self.querying = query_pb2_grpc.QueryStub(self._channel)
        self.transfer = transfer_pb2_grpc.TransferStub(self._channel)
        self.documents = documents_pb2_grpc.DocumentsStub(self._channel)
        self.watching = watch_pb2_grpc.WatchStub(self._channel)
        self.generation += 1
        request = tracking_pb2.HandshakeRequest(
            protocol_version=common_pb2.PROTOCOL_VERSION_CURRENT, client_version=CLIENT_VERSION
        )
        try:
            reply = self.tracking.Handshake(request, timeout=HANDSHAKE_TIMEOUT_S, wait_for_ready=just_started)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
                raise errors.ProtocolError(exc.details()) from None
            raise credentials.explain(exc, self.target.endpoint) or map_error(exc) from None
        self.max_message_bytes = min(reply.max_message_bytes or MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES)
        self.artifacts_uri = reply.artifacts_uri  # the repository's default artifacts uri; "" none

    def reconnect(self, seen_generation: int) -> None:
        """Reconnect unless another thread already did since seen_generation."""
        with self._lock:
            if self.generation == seen_generation:
                self._connect(start=True)

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()

    def _retrying(self, attempt: Callable[[], Any], deadline: float | None) -> Any:
        """attempt() until it returns, reconnecting (and starting a local daemon) in between while
        it fails with DaemonUnavailable, for RETRY_TIMEOUT_S (or until deadline); then raise
        DaemonUnavailable naming the last cause."""
        deadline = time.monotonic() + RETRY_TIMEOUT_S if deadline is None else deadline
        delay = RETRY_BACKOFF_S[0]
        while True:
            generation = self.generation
            try:
                return attempt()
            except (errors.TLSError, errors.DaemonSetupError):
                raise  # configuration or installation: retrying cannot help
            except errors.DaemonUnavailable as exc:
                cause = str(exc) or type(exc).__name__
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise errors.DaemonUnavailable(
                        f"gave up reaching the daemon of {self.target} after retrying for "
                        f"{RETRY_TIMEOUT_S:.0f} s (AIM_DAEMON_RETRY_TIMEOUT): {cause}"
                    )
                log.info("aim: the daemon is unreachable (%s); retrying", cause)
                try:
                    self.reconnect(generation)
                    break
                except (errors.TLSError, errors.DaemonSetupError):
                    raise
                except errors.DaemonUnavailable as exc:
                    cause = str(exc) or type(exc).__name__
                time.sleep(min(delay, max(left, 0.0)))
                delay = min(delay * 2, RETRY_BACKOFF_S[1])

    def _call(
        self,
        method: Callable[[Client], Callable[..., Any]],
        request: Any,
        *,
        stream: bool = False,
        deadline: float | None = None,
    ) -> Any:
        """One call (with stream=True, all of a server stream's replies as a list); retried on a
        fresh connection while the daemon is unreachable (see _retrying)."""

        def once() -> Any:
            timeout = CALL_TIMEOUT_S if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                reply = method(self)(request, timeout=timeout)
                return list(reply) if stream else reply
            except grpc.RpcError as exc:
                if exc.code() == grpc.StatusCode.UNAVAILABLE:
                    said = exc.details() or "UNAVAILABLE"
                    raise errors.DaemonUnavailable(f"the daemon did not answer: {said}") from None
                raise map_error(exc) from None

        return self._retrying(once, deadline)

    def _read(
        self, method: Callable[[Client], Callable[..., Any]], request: Any, *, stream: bool = False
    ) -> Any:
        """A read call: made once this process's tracked points are durable (see settle)."""
        self.settle()
        return self._call(method, request, stream=stream)

    # --- tracking ---------------------------------------------------------------------
    def open_run(
        self, run_hash: str, *, create: bool, experiment: str | None, read_only: bool
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if not create:
            self.settle()  # a resume continues the steps of what this process tracked before
        request = tracking_pb2.OpenRunRequest(
            run_hash=run_hash,
            create=create,
            experiment=experiment or "",
            client_id=self.client_id,
            read_only=read_only,
        )
        generation = self.generation
        try:
            reply = self._call(lambda c: c.tracking.OpenRun, request)
        except errors.RunExistsError:
            if not create or self.generation == generation:
                raise
            # The run was made by an attempt whose reply was lost (the daemon died): open it.
            request.create = False
            reply = self._call(lambda c: c.tracking.OpenRun, request)
        return convert.props_from_proto(reply.props), [codec.sequence_summary(s) for s in reply.sequences]

    def set_params(self, run_hash: str, path: Sequence[str], value: Any) -> None:
        request = tracking_pb2.SetParamsRequest(
            run_hash=run_hash, path=common_pb2.ParamPath(keys=path), value=convert.param_to_proto(value)
        )
        self._call(lambda c: c.tracking.SetParams, request)

    def delete_params(self, run_hash: str, path: Sequence[str]) -> None:
        request = tracking_pb2.DeleteParamsRequest(run_hash=run_hash, path=common_pb2.ParamPath(keys=path))
        self._call(lambda c: c.tracking.DeleteParams, request)

    def set_props(self, run_hash: str, **changes: Any) -> dict[str, Any]:
        request = tracking_pb2.SetPropsRequest(run_hash=run_hash, **changes)
        return convert.props_from_proto(self._call(lambda c: c.tracking.SetProps, request))

    def add_tag(self, run_hash: str, tag: str) -> dict[str, Any]:
        request = tracking_pb2.TagRequest(run_hash=run_hash, tag=tag)
        return convert.props_from_proto(self._call(lambda c: c.tracking.AddTag, request))

    def remove_tag(self, run_hash: str, tag: str) -> dict[str, Any]:
        request = tracking_pb2.TagRequest(run_hash=run_hash, tag=tag)
        return convert.props_from_proto(self._call(lambda c: c.tracking.RemoveTag, request))

    def close_run(
        self, run_hash: str, *, force: bool = False, deadline: float | None = None
    ) -> dict[str, Any]:
        """Detach this client (force: every client) from the run; its props after."""
        request = tracking_pb2.CloseRunRequest(run_hash=run_hash, client_id=self.client_id, force=force)
        reply = self._call(lambda c: c.tracking.CloseRun, request, deadline=deadline)
        return convert.props_from_proto(reply)

    def delete_run(self, run_hash: str) -> None:
        self._call(lambda c: c.tracking.DeleteRun, tracking_pb2.DeleteRunRequest(run_hash=run_hash))

    def delete_experiment(self, experiment: str) -> list[str]:
        """Delete every run of an experiment (or none); the hashes deleted."""
        request = tracking_pb2.DeleteExperimentRequest(experiment=experiment)
        return list(self._call(lambda c: c.tracking.DeleteExperiment, request).run_hashes)

    def watch(self, run_hashes: Sequence[str] = ()) -> WatchStream:
        """A Watch stream over these runs (every run when none): no deadline, it lasts until closed."""
        self.settle()
        request = watch_pb2.WatchRequest(run_hashes=list(run_hashes))
        generation = self.generation

        def open_call(again: bool) -> Any:
            if again:  # the daemon went away before the first event: a fresh connection (and daemon)
                self.reconnect(generation)
            return self.watching.Watch(request)

        return WatchStream(open_call)

    # --- documents the UI keeps (v1/documents.proto) ------------------------------------
    def get_document(self, kind: str, key: str) -> str | None:
        """A document's body; None when there is none."""
        request = documents_pb2.DocumentRef(kind=kind, key=key)
        try:
            return self._call(lambda c: c.documents.GetDocument, request).body
        except errors.MissingRunError:  # NOT_FOUND
            return None

    def put_document(self, kind: str, key: str, body: str) -> None:
        request = documents_pb2.Document(kind=kind, key=key, body=body)
        self._call(lambda c: c.documents.PutDocument, request)

    def delete_document(self, kind: str, key: str) -> bool:
        request = documents_pb2.DocumentRef(kind=kind, key=key)
        return self._call(lambda c: c.documents.DeleteDocument, request).deleted

    def list_documents(self, kind: str) -> dict[str, str]:
        """Every document of a kind: {key: body}, in key order."""
        reply = self._call(lambda c: c.documents.ListDocuments, documents_pb2.ListDocumentsRequest(kind=kind))
        return {doc.key: doc.body for doc in reply.documents}

    def prune(self) -> dict[str, int]:
        """Remove what no run references; counts of what was removed (PruneReply's fields)."""
        reply = self._call(lambda c: c.tracking.Prune, tracking_pb2.PruneRequest())
        return {
            "orphan_keys": reply.orphan_keys,
            "blobs": reply.blobs,
            "blob_bytes": reply.blob_bytes,
            "blobs_claimed": reply.blobs_claimed,
        }

    def track_stream(self, requests: Iterator[tracking_pb2.TrackRequest]) -> Any:
        """Open the bidirectional Track stream (used by the sender only)."""
        return self.tracking.Track(requests)

    # --- reading ----------------------------------------------------------------------
    def get_run(self, run_hash: str) -> dict[str, Any]:
        reply = self._read(lambda c: c.reading.GetRun, reading_pb2.RunRef(run_hash=run_hash))
        return convert.props_from_proto(reply)

    def list_runs(self) -> list[dict[str, Any]]:
        replies = self._read(lambda c: c.reading.ListRuns, reading_pb2.ListRunsRequest(), stream=True)
        return [convert.props_from_proto(p) for p in replies]

    def report_progress(
        self, run_hash: str, *, expect_next_in: float, finished: bool, at_step: int | None
    ) -> None:
        request = tracking_pb2.ReportProgressRequest(
            run_hash=run_hash, expect_next_in_s=expect_next_in, finished=finished, at_step=at_step
        )
        self._call(lambda c: c.tracking.ReportProgress, request)

    def get_params(self, run_hash: str, path: Sequence[str]) -> Any:
        request = reading_pb2.GetParamsRequest(run_hash=run_hash, path=common_pb2.ParamPath(keys=path))
        return convert.param_from_proto(self._read(lambda c: c.reading.GetParams, request))

    def list_sequences(self, run_hash: str) -> list[dict[str, Any]]:
        reply = self._read(lambda c: c.reading.ListSequences, reading_pb2.RunRef(run_hash=run_hash))
        return [codec.sequence_summary(s) for s in reply.sequences]

    def read_sequence(self, run_hash: str, name: str, context: str) -> dict[str, np.ndarray]:
        """All points of a sequence, step-ordered: steps, values, epochs, timestamps."""
        chunks = self.point_chunks(run_hash, name, context)
        return codec.join_points(chunks, chunks[0].dtype if chunks else common_pb2.DTYPE_FLOAT)

    def point_chunks(self, run_hash: str, name: str, context: str) -> list[reading_pb2.PointsChunk]:
        """A metric's points as the daemon sends them: packed columns, step-ordered."""
        request = reading_pb2.ReadSequenceRequest(run_hash=run_hash, name=name, context=context)
        return self._read(lambda c: c.reading.ReadSequence, request, stream=True)

    def object_chunks(self, run_hash: str, name: str, context: str) -> list[reading_pb2.ObjectsChunk]:
        """An object sequence's points as the daemon sends them (records, no blob bytes)."""
        request = reading_pb2.ReadSequenceRequest(run_hash=run_hash, name=name, context=context)
        return self._read(lambda c: c.reading.ReadObjects, request, stream=True)

    def read_objects(self, run_hash: str, name: str, context: str) -> dict[str, Any]:
        """An object sequence's points, step-ordered, without blob bytes: "steps" (int64 array),
        "epochs" (float64, NaN = none), "timestamps" (float64 seconds), "records" (per step, a
        list of (kind, meta dict, blob sha256 hex); one item for single-object dtypes) and
        "dtype" (the SDK name, e.g. 'list(aim.image)')."""
        return codec.object_points(self.object_chunks(run_hash, name, context))

    def get_blob(self, sha256_hex: str) -> bytes:
        """The bytes of a stored blob (streamed in chunks, checked against its SHA-256)."""
        return self.get_blobs([sha256_hex])[0]

    def get_blobs(self, sha256_hexes: Sequence[str]) -> list[bytes]:
        """The bytes of several stored blobs, in the order asked, in one call."""
        if not sha256_hexes:
            return []
        try:
            shas = [bytes.fromhex(h) for h in sha256_hexes]
        except (TypeError, ValueError):
            raise ValueError("a blob is named by the hex of its SHA-256 (64 hex digits)") from None
        if any(len(sha) != contract.SHA256_BYTES for sha in shas):
            raise ValueError("a blob is named by the hex of its SHA-256 (64 hex digits)")
        request = reading_pb2.GetBlobsRequest(sha256=shas)
        parts: list[list[bytes]] = [[] for _ in shas]
        for part in self._read(lambda c: c.reading.GetBlobs, request, stream=True):
            parts[part.blob].append(part.data)
        blobs = [b"".join(p) for p in parts]
        for sha, blob in zip(shas, blobs, strict=True):
            if hashlib.sha256(blob).digest() != sha:
                raise errors.AimError(f"blob {sha.hex()} read back with other bytes than it was stored with")
        return blobs

    # --- transfer ---------------------------------------------------------------------
    def import_run(self, parts: Iterator[transfer_pb2.ImportPart]) -> dict[str, Any]:
        """Send one whole run (ImportStart, parts, ImportCommit); its props as stored. The run
        lands whole or not at all: an error or a KeyboardInterrupt while sending cancels the call
        and the daemon keeps nothing of it. Not retried (parts is consumed once)."""
        failure: list[BaseException] = []

        def guarded() -> Iterator[transfer_pb2.ImportPart]:
            try:
                yield from parts
            except Exception as exc:  # ends the stream without its commit: nothing lands
                failure.append(exc)

        call = self.transfer.ImportRun.future(guarded())
        try:
            reply = call.result()
        except grpc.RpcError as exc:
            if failure:
                raise failure[0] from None
            raise map_error(exc) from None
        except BaseException:  # KeyboardInterrupt: the daemon drops the half-sent run
            call.cancel()
            raise
        return convert.props_from_proto(reply)

    # --- querying ---------------------------------------------------------------------
    def query(
        self, query: str, seq_type: str | None, **options: Any
    ) -> Iterator[RunMatch | QueryProgress | GroupStats]:
        """A RunMatch per matching run and, when options ask to report_progress, QueryProgress
        items, as they arrive (options: codec.query_request's). Closing the iterator cancels the
        call. Retried once on a fresh connection if the daemon went away before anything arrived."""
        self.settle()
        request = codec.query_request(query, seq_type, **options)
        return codec.query_results(self._query_chunks(request), values_only=request.values_only)

    def _query_chunks(self, request: query_pb2.QueryRequest) -> Iterator[query_pb2.QueryChunk]:
        generation = self.generation
        call = self.querying.Query(request)
        received = False
        try:
            while True:
                try:
                    chunk = next(call)
                except StopIteration:
                    return
                except grpc.RpcError as exc:
                    if received or exc.code() != grpc.StatusCode.UNAVAILABLE:
                        raise map_query_error(exc, request.query) from None
                    self.reconnect(generation)
                    received = True  # one retry only
                    call = self.querying.Query(request)
                    continue
                received = True
                yield chunk
        finally:
            call.cancel()


def _nothing_pending() -> None:
    """The settle of a client whose process has no sender: nothing tracked, nothing to wait for."""


def client_for(target: Target) -> Client:
    """This process's client for a target (connecting, and starting a local daemon, on first use)."""
    return cached(f"client:{target.key}", lambda: Client(target))
