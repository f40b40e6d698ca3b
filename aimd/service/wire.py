"""Registering servicers so that a request whose bytes do not parse is answered INVALID_ARGUMENT.

grpc's generated add_*_to_server functions parse requests with Message.FromString; a request
that fails to parse (a string field with bad UTF-8, truncated bytes, nesting beyond protobuf's
limit) then ends the call with UNKNOWN and a traceback in the log. Here each request is parsed
leniently instead: what does not parse reaches the handler as a Malformed, which the handlers
turn into InvalidInput like any other bad request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import ServiceDescriptor

from aimd.errors import InvalidInput

_HANDLER_OF = {
    (False, False): grpc.unary_unary_rpc_method_handler,
    (False, True): grpc.unary_stream_rpc_method_handler,
    (True, False): grpc.stream_unary_rpc_method_handler,
    (True, True): grpc.stream_stream_rpc_method_handler,
}


class Malformed:
    """A request that did not parse as its message type."""

    def __init__(self, type_name: str, reason: str) -> None:
        self.type_name = type_name
        self.reason = reason

    def error(self) -> InvalidInput:
        return InvalidInput(f"malformed {self.type_name}: {self.reason}")


def _lenient(message_class: Any) -> Callable[[bytes], Any]:
    type_name = message_class.DESCRIPTOR.full_name

    def parse(data: bytes) -> Any:
        try:
            return message_class.FromString(data)
        except Exception as exc:  # google.protobuf.message.DecodeError, and nothing else expected
            return Malformed(type_name, str(exc))

    return parse


def add_service(server: grpc.aio.Server, servicer: Any, service: ServiceDescriptor) -> None:
    """Register servicer's methods for service (as the generated code would), parsing leniently."""
    handlers = {}
    for method in service.methods:
        request = message_factory.GetMessageClass(method.input_type)
        response = message_factory.GetMessageClass(method.output_type)
        make = _HANDLER_OF[(method.client_streaming, method.server_streaming)]
        handlers[method.name] = make(
            getattr(servicer, method.name),
            request_deserializer=_lenient(request),
            response_serializer=response.SerializeToString,
        )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service.full_name, handlers),))
    server.add_registered_method_handlers(service.full_name, handlers)
