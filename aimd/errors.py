"""Domain errors of the daemon; aimd.service.status maps each to one gRPC status code.

DaemonError
├── InvalidInput       a request that can never succeed as sent (INVALID_ARGUMENT)
├── NotFound           an unknown run, params path or sequence (NOT_FOUND)
├── AlreadyExists      creating a run whose hash is taken (ALREADY_EXISTS)
├── Conflict           a valid request that clashes with stored data (FAILED_PRECONDITION)
├── TooLarge           a message or batch over a documented limit (RESOURCE_EXHAUSTED)
└── StoreFailing       the disk refused a write: full, or an I/O error (RESOURCE_EXHAUSTED); the
                       request may succeed later: the daemon recovers by itself when it can write
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


class StoreFailing(DaemonError):
    """The store could not be written; errno_name (ENOSPC, EIO, ...) says why, '' when unknown."""

    def __init__(self, message: str, errno_name: str = "") -> None:
        super().__init__(message)
        self.errno_name = errno_name
