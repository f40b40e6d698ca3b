"""Sequences of a run: read views over the columns the daemon returns, fetched on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aim import _context

if TYPE_CHECKING:
    import numpy as np

    from aim._run import Run


class ArrayView:
    """One column of a sequence (values, epochs or timestamps) indexed by step, step-ordered."""

    def __init__(self, steps: np.ndarray, values: np.ndarray) -> None:
        self._steps = steps
        self._values = values

    def __len__(self) -> int:
        return len(self._steps)

    def values_numpy(self) -> np.ndarray:
        return self._values

    def indices_numpy(self) -> np.ndarray:
        return self._steps

    def sparse_numpy(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values)."""
        return self._steps, self._values

    def values_list(self) -> list:
        return self._values.tolist()

    def indices_list(self) -> list[int]:
        return self._steps.tolist()

    def sparse_list(self) -> tuple[list[int], list]:
        return self._steps.tolist(), self._values.tolist()

    def items(self) -> list[tuple[int, Any]]:
        return list(zip(self.indices_list(), self.values_list(), strict=True))

    def first(self) -> tuple[int, Any]:
        """(step, value) at the first step."""
        return int(self._steps[0]), self._values[0].item()

    def last(self) -> tuple[int, Any]:
        """(step, value) at the last step."""
        return int(self._steps[-1]), self._values[-1].item()


class Sequence:
    """A named, context-qualified series of one run."""

    def __init__(self, name: str, context: dict, run: Run, info: dict[str, Any] | None = None) -> None:
        self.name = name
        self.context = context
        self.run = run
        self._info = info
        self._data: dict[str, np.ndarray] | None = None

    def _columns(self) -> dict[str, np.ndarray]:
        if self._data is None:
            self._data = self.run._client.read_sequence(
                self.run.hash, self.name, _context.canonical(self.context)
            )
        return self._data

    @property
    def values(self) -> ArrayView:
        data = self._columns()
        return ArrayView(data["steps"], data["values"])

    @property
    def epochs(self) -> ArrayView:
        data = self._columns()
        return ArrayView(data["steps"], data["epochs"])

    @property
    def timestamps(self) -> ArrayView:
        data = self._columns()
        return ArrayView(data["steps"], data["timestamps"])

    @property
    def indices(self) -> list[int]:
        return self._columns()["steps"].tolist()

    def __len__(self) -> int:
        return len(self._columns()["steps"])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.context} of run {self.run.hash}>"


class Metric(Sequence):
    """A sequence of numbers (int or float)."""

    @classmethod
    def allowed_dtypes(cls) -> tuple[str, ...]:
        return ("float", "int", "number")
