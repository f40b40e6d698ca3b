"""A Watch stream (v1/watch.proto) as an iterator of plain dicts, closable from any thread."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import grpc

from aim import errors
from aimproto import contract, convert
from aimproto.v1 import watch_pb2


def _floats(values: Any) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values]


def event_dict(event: watch_pb2.WatchEvent) -> dict[str, Any]:
    """A WatchEvent as plain values: run, series (new points per sequence), props (or None),
    deleted, notice (the stream's last event says why it ends), heartbeat."""
    return {
        "run": event.run_hash,
        "series": [
            {
                "name": s.name,
                "context": json.loads(s.context or "{}"),
                "dtype": contract.DTYPE_NAMES.get(s.dtype, "unknown"),
                "steps": list(s.steps),
                "values": _floats(s.values),
                "epochs": _floats(s.epochs),
                "times": list(s.timestamps),
                "count": s.count,
            }
            for s in event.series
        ],
        "props": convert.props_from_proto(event.props) if event.HasField("props") else None,
        "deleted": event.deleted,
        "notice": event.notice,
        "heartbeat": event.heartbeat,
    }


class WatchStream:
    """Events of a Watch call, as dicts (event_dict). Iteration ends when the daemon ends the
    stream or close() is called (from any thread); MissingRunError for a run that does not
    exist, DaemonUnavailable when the daemon went away."""

    def __init__(self, open_call: Callable[[bool], Any]) -> None:
        """open_call(again) starts the Watch call; again=True once, when the daemon was unreachable
        before the first event (open_call reconnects first: a daemon that died is started again)."""
        self._open_call = open_call
        self._call = open_call(False)
        self._retried = False
        self._closed = False

    def __iter__(self) -> WatchStream:
        return self

    def __next__(self) -> dict[str, Any]:
        try:
            event = event_dict(next(self._call))
        except grpc.RpcError as exc:
            if self._closed or exc.code() == grpc.StatusCode.CANCELLED:
                raise StopIteration from None
            if exc.code() == grpc.StatusCode.UNAVAILABLE and not self._retried:
                self._retried = True
                self._call = self._open_call(True)
                if self._closed:  # close() came while reconnecting
                    self._call.cancel()
                return next(self)
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise errors.MissingRunError(exc.details() or "") from None
            if exc.code() == grpc.StatusCode.UNAVAILABLE:
                raise errors.DaemonUnavailable(f"the daemon went away: {exc.details()}") from None
            raise errors.AimError(f"the watch failed ({exc.code().name}): {exc.details()}") from None
        self._retried = True  # events arrived: a later failure is the daemon going away mid-watch
        return event

    def close(self) -> None:
        self._closed = True
        self._call.cancel()

    def __enter__(self) -> WatchStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
