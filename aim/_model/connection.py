"""Where a Run or Repo talks to: its repository's target and this process's client for it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aim._model import discovery as _discovery

if TYPE_CHECKING:
    from aim._transport.channel import Target
    from aim._transport.client import Client


def target_of(repo: Any) -> Target:
    """The target of a Repo, a repository path, or None (the nearest .aim, else here)."""
    from aim._transport.channel import Target  # grpc: imported on first connection, not with aim

    path = _discovery.resolve(getattr(repo, "path", repo))  # a Repo, a path, or None
    _discovery.warn_if_aim3(path)
    return Target(path)


def client(target: Target) -> Client:
    """This process's client for target: looked up on every use, so no channel crosses a fork."""
    from aim._transport.client import client_for

    return client_for(target)
