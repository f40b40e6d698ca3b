"""Token checks on TCP calls, and the TCP port itself (TLS or plaintext).

Every call that comes over TCP must carry `authorization: Bearer <token>` metadata with a token
the daemon accepts (aimd.tokens): none or an unknown one ends the call UNAUTHENTICATED, a
read-only token on a call that writes ends it PERMISSION_DENIED, before the handler runs. Calls
over the unix socket pass unchecked. One server serves both, so the check looks at the peer of
each call; a peer that is not a unix socket is treated as TCP.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from aimd.exposure import TcpSecurity
from aimd.tokens import Scope, Tokens
from aimproto.contract import AUTHORIZATION_KEY

BEARER = "Bearer "
# Calls a read-only token may make (besides OpenRun with read_only=True); everything else writes.
READ_SERVICES = ("/aimproto.v1.Reading/", "/aimproto.v1.Query/", "/grpc.health.v1.Health/")
READ_METHODS = {"/aimproto.v1.Tracking/Handshake"}
OPEN_RUN = "/aimproto.v1.Tracking/OpenRun"

_MAKE_HANDLER = {
    (False, False): grpc.unary_unary_rpc_method_handler,
    (False, True): grpc.unary_stream_rpc_method_handler,
    (True, False): grpc.stream_unary_rpc_method_handler,
    (True, True): grpc.stream_stream_rpc_method_handler,
}


def interceptors(security: TcpSecurity | None) -> list[grpc.aio.ServerInterceptor]:
    """The server's interceptors: a token check when TCP is served with tokens, else none."""
    if security is None or security.tokens is None:
        return []
    return [TokenInterceptor(security.tokens)]


def add_tcp_port(server: grpc.aio.Server, address: str, security: TcpSecurity) -> int:
    """Serve address over TLS if security has a certificate, else plaintext; the bound port."""
    if security.tls is None:
        return server.add_insecure_port(address)
    return server.add_secure_port(address, grpc.ssl_server_credentials([security.tls]))


class TokenInterceptor(grpc.aio.ServerInterceptor):
    """Wraps each method's handler in a check of the caller's token and of the method's scope."""

    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        streaming = (handler.request_streaming, handler.response_streaming)
        behavior = next(
            b
            for b in (handler.unary_unary, handler.unary_stream, handler.stream_unary, handler.stream_stream)
            if b is not None
        )

        async def check(request: Any, context: grpc.aio.ServicerContext) -> None:
            if context.peer().startswith("unix:"):
                return
            scope = self._scope(context)
            if scope is None:
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, self._unauthenticated(context))
            if scope is Scope.READ and not _reads_only(method, request, handler.request_streaming):
                name = method.rsplit("/", 1)[-1]
                await context.abort(
                    grpc.StatusCode.PERMISSION_DENIED,
                    f"the token is read-only and {name} writes: it needs a read-write token",
                )

        return _MAKE_HANDLER[streaming](
            _guarded(behavior, check),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _scope(self, context: grpc.aio.ServicerContext) -> Scope | None:
        for key, value in context.invocation_metadata() or ():
            if key == AUTHORIZATION_KEY and isinstance(value, str) and value.startswith(BEARER):
                return self.tokens.scope_of(value[len(BEARER) :])
        return None

    @staticmethod
    def _unauthenticated(context: grpc.aio.ServicerContext) -> str:
        sent = any(key == AUTHORIZATION_KEY for key, _ in context.invocation_metadata() or ())
        if sent:
            return "the daemon does not accept this token"
        return "the daemon needs a token on TCP: set AIM_TOKEN, or use aim://TOKEN@host:port"


def _reads_only(method: str, request: Any, request_streaming: bool) -> bool:
    if method.startswith(READ_SERVICES) or method in READ_METHODS:
        return True
    if method == OPEN_RUN and not request_streaming:  # opening a run to look, not to write
        return getattr(request, "read_only", False) is True and getattr(request, "create", True) is False
    return False


def _guarded(
    behavior: Callable, check: Callable[[Any, grpc.aio.ServicerContext], Awaitable[None]]
) -> Callable:
    """behavior, with check run before it (an async generator stays one)."""
    if inspect.isasyncgenfunction(behavior):

        async def guarded_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await check(request, context)
            async for reply in behavior(request, context):
                yield reply

        return guarded_stream

    async def guarded(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await check(request, context)
        result = behavior(request, context)
        return await result if inspect.isawaitable(result) else result

    return guarded
