"""Domain errors -> gRPC status codes: the one table, and the decorator that applies it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn

import grpc

from aimd import errors
from aimd.service.wire import Malformed

STATUS_OF: dict[type[errors.DaemonError], grpc.StatusCode] = {
    errors.InvalidInput: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.Conflict: grpc.StatusCode.FAILED_PRECONDITION,
    errors.TooLarge: grpc.StatusCode.RESOURCE_EXHAUSTED,
    errors.StoreFailing: grpc.StatusCode.RESOURCE_EXHAUSTED,  # "the file system is out of space"
}


def status_of(exc: errors.DaemonError) -> grpc.StatusCode:
    return STATUS_OF.get(type(exc), grpc.StatusCode.INTERNAL)


async def abort(context: grpc.aio.ServicerContext, exc: errors.DaemonError) -> NoReturn:
    """End the call with the status mapped from exc and its message (context.abort raises)."""
    await context.abort(status_of(exc), str(exc))
    raise AssertionError("grpc's context.abort returned")  # it always raises


def handles_errors(method: Callable) -> Callable:
    """Turn a DaemonError raised by a unary handler into the mapped gRPC status."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        self.activity.touch()
        try:
            if isinstance(request, Malformed):
                raise request.error()
            return await method(self, request, context)
        except errors.DaemonError as exc:
            await abort(context, exc)

    return wrapper
