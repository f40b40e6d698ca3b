"""Progress bars (tqdm, imported when a bar is first made, so `import aim` does not load it)."""

from __future__ import annotations

from typing import Any


def progress_bar(
    total: float | None, desc: str, *, unit: str = "it", delay: float = 0.0, **options: Any
) -> Any:
    """A tqdm bar on stderr (a widget in notebooks). Options go to tqdm, e.g. disable=None to show
    it only on a terminal."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, delay=delay, unit_scale=unit != "it", **options)


class NoProgress:
    """Stands in for a bar where none is wanted."""

    def update(self, n: float = 1) -> None:
        pass

    def close(self) -> None:
        pass
