"""aim.Text: a piece of text to track."""

from __future__ import annotations

from typing import Any


class Text:
    """A str to track. Two Texts are equal when their strings are."""

    KIND = "text"
    __slots__ = ("_data",)

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"Text takes a str, not {type(text).__name__}")
        self._data = str(text)

    def _record(self) -> tuple[dict, bytes]:
        """(meta, payload): meta is empty; payload the UTF-8 text (lone surrogates kept)."""
        return {}, self._data.encode("utf-8", "surrogatepass")

    @classmethod
    def _from_record(cls, meta: dict, payload: bytes) -> Text:
        return cls(bytes(payload).decode("utf-8", "surrogatepass"))

    @property
    def data(self) -> str:
        return self._data

    def json(self) -> dict:
        return {"data": self._data}

    def __str__(self) -> str:
        return self._data

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Text):
            return NotImplemented
        return self._data == other._data

    def __hash__(self) -> int:
        return hash((self.KIND, self._data))

    def __repr__(self) -> str:
        shown = self._data if len(self._data) <= 60 else self._data[:57] + "..."
        return f"Text({shown!r})"
