"""Domain errors -> gRPC status codes: the one table."""

from __future__ import annotations

import grpc

from aimd import errors

STATUS_OF: dict[type[errors.DaemonError], grpc.StatusCode] = {
    errors.InvalidInput: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.Conflict: grpc.StatusCode.FAILED_PRECONDITION,
    errors.TooLarge: grpc.StatusCode.RESOURCE_EXHAUSTED,
}


def status_of(exc: errors.DaemonError) -> grpc.StatusCode:
    return STATUS_OF.get(type(exc), grpc.StatusCode.INTERNAL)


async def abort(context: grpc.aio.ServicerContext, exc: errors.DaemonError) -> None:
    """End the call with the status mapped from exc and its message."""
    await context.abort(status_of(exc), str(exc))
