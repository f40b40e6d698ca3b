"""Domain errors of the daemon; aimd.service.status maps each to one gRPC status code.

DaemonError
├── InvalidInput       a request that can never succeed as sent (INVALID_ARGUMENT)
├── NotFound           an unknown run, params path or sequence (NOT_FOUND)
├── AlreadyExists      creating a run whose hash is taken (ALREADY_EXISTS)
├── Conflict           a valid request that clashes with stored data (FAILED_PRECONDITION)
└── TooLarge           a message or batch over a documented limit (RESOURCE_EXHAUSTED)
"""


class DaemonError(Exception):
    """Root of the errors a request can cause; the message is shown to the client."""


class InvalidInput(DaemonError):
    pass


class NotFound(DaemonError):
    pass


class AlreadyExists(DaemonError):
    pass


class Conflict(DaemonError):
    pass


class TooLarge(DaemonError):
    pass
