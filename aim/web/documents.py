"""The UI's documents kept in the repository (through Repo's document methods, so the daemon
stores them): notes on runs and experiments, a tag's colour and description, bookmarks (a name
and the address of a view)."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.routing import Route

from aim.web.data import existing_run
from aim.web.handlers import body_text, json_handler
from aimproto import contract

if TYPE_CHECKING:
    from aim import Repo

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
MAX_DESCRIPTION_CHARS = 1000  # a tag's description
MAX_ADDRESS_CHARS = 8000  # a bookmark's address


def run_notes(repo: Repo, run_hash: str) -> dict[str, Any]:
    run = existing_run(repo, run_hash)
    return {"notes": run.notes, "max_bytes": contract.MAX_DOCUMENT_BYTES}


def set_run_notes(repo: Repo, run_hash: str, body: dict[str, Any]) -> dict[str, Any]:
    run = existing_run(repo, run_hash)
    run.notes = body_text(body, "notes", 10 * contract.MAX_DOCUMENT_BYTES)  # the daemon checks its bytes
    return run_notes(repo, run_hash)


def experiment_notes(repo: Repo, name: str) -> dict[str, Any]:
    return {"notes": repo.get_experiment_notes(name), "max_bytes": contract.MAX_DOCUMENT_BYTES}


def set_experiment_notes(repo: Repo, name: str, body: dict[str, Any]) -> dict[str, Any]:
    repo.set_experiment_notes(name, body_text(body, "notes", 10 * contract.MAX_DOCUMENT_BYTES))
    return experiment_notes(repo, name)


def move_experiment_notes(repo: Repo, old: str, new: str) -> None:
    """An experiment's notes follow it when it is renamed."""
    notes = repo.get_experiment_notes(old)
    if notes and old != new:
        repo.set_experiment_notes(new, notes)
        repo.set_experiment_notes(old, "")


def tag_infos(repo: Repo) -> dict[str, dict[str, Any]]:
    """Every tag's colour and description: {tag: {"colour": ..., "description": ...}}."""
    out = {}
    for tag, body in repo.list_documents(contract.DOCUMENT_TAG).items():
        try:
            info = json.loads(body)
        except ValueError:
            continue  # not written by this UI: left alone
        if isinstance(info, dict):
            out[tag] = {"colour": info.get("colour"), "description": info.get("description", "")}
    return out


def set_tag_info(repo: Repo, tag: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create a tag (with no run yet) or change its colour and description."""
    tag = tag.strip()
    if not tag:
        raise ValueError("a tag needs a name")
    colour = body.get("colour") or None
    if colour is not None and not (isinstance(colour, str) and COLOUR.fullmatch(colour)):
        raise ValueError(f"a colour is written #rrggbb, not {str(colour)[:40]!r}")
    info = {"colour": colour, "description": body_text(body, "description", MAX_DESCRIPTION_CHARS)}
    repo.set_document(contract.DOCUMENT_TAG, tag, json.dumps(info))
    return {"name": tag, **info}


def move_tag_info(repo: Repo, old: str, new: str | None) -> None:
    """A tag's colour and description follow a rename (new) or go with a delete (None)."""
    body = repo.get_document(contract.DOCUMENT_TAG, old)
    if body is None or old == new:
        return
    if new is not None:
        repo.set_document(contract.DOCUMENT_TAG, new, body)
    repo.set_document(contract.DOCUMENT_TAG, old, None)


def bookmarks(repo: Repo) -> dict[str, Any]:
    out = []
    for name, body in repo.list_documents(contract.DOCUMENT_BOOKMARK).items():
        try:
            mark = json.loads(body)
        except ValueError:
            continue
        if not isinstance(mark, dict) or not isinstance(mark.get("address"), str):
            continue
        try:
            address = check_address(mark["address"])
        except ValueError:
            continue  # not an address inside this UI (written around the UI): not offered
        out.append({"name": name, "address": address, "created": mark.get("created")})
    return {"bookmarks": out}


def find_bookmark(repo: Repo, name: str) -> dict[str, Any] | None:
    """The bookmark named name, or None (never saved, or deleted since)."""
    return next((mark for mark in bookmarks(repo)["bookmarks"] if mark["name"] == name), None)


def check_address(address: str) -> str:
    """A view's address inside the UI, relative to its base ("metrics?q=..."): never another site."""
    address = address.strip().lstrip("/")
    parts = urlsplit(address)
    if parts.scheme or parts.netloc or address.startswith(("\\", "/")) or not address:
        raise ValueError("a bookmark keeps an address inside this UI, like metrics?q=...")
    return address


def add_bookmark(repo: Repo, body: dict[str, Any]) -> dict[str, Any]:
    name = body_text(body, "name", contract.MAX_DOCUMENT_KEY_CHARS, required=True)
    address = check_address(body_text(body, "address", MAX_ADDRESS_CHARS, required=True))
    repo.set_document(
        contract.DOCUMENT_BOOKMARK, name, json.dumps({"address": address, "created": time.time()})
    )
    return {"name": name, "address": address}


def delete_bookmark(repo: Repo, name: str) -> dict[str, Any]:
    repo.set_document(contract.DOCUMENT_BOOKMARK, name, None)
    return {"deleted": name}


def routes(repo: Repo) -> list[Route]:
    """The JSON API of notes, tags' colours and descriptions, and bookmarks."""

    def reply(call: Any, *params: str) -> Any:
        return json_handler(repo, call, *params)

    return [
        Route("/api/runs/{run_hash}/notes", reply(run_notes, "run_hash")),
        Route("/api/runs/{run_hash}/notes", reply(set_run_notes, "run_hash"), methods=["PUT"]),
        Route("/api/experiments/{name}/notes", reply(experiment_notes, "name")),
        Route("/api/experiments/{name}/notes", reply(set_experiment_notes, "name"), methods=["PUT"]),
        Route("/api/tags/{tag}/info", reply(set_tag_info, "tag"), methods=["POST"]),
        Route("/api/bookmarks", reply(bookmarks)),
        Route("/api/bookmarks", reply(add_bookmark), methods=["POST"]),
        Route("/api/bookmarks/{name}", reply(delete_bookmark, "name"), methods=["DELETE"]),
    ]
