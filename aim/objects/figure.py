"""aim.Figure: a plotly figure (or a matplotlib one, converted by plotly) to track.

plotly is an optional dependency (`pip install 'aim-tracker[plotly]'`): it is imported only to
convert a matplotlib figure and to rebuild a plotly figure when reading one back.
"""

from __future__ import annotations

from typing import Any

from aim.objects._record import type_name

PLOTLY_MISSING = "aim.Figure needs plotly for this: pip install 'aim-tracker[plotly]'"


def _plotly(module: str) -> Any:
    """A plotly module, or an ImportError that names the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(PLOTLY_MISSING) from exc


def _is_instance_of(obj: Any, package: str, names: tuple[str, ...]) -> bool:
    """Whether obj is an instance of a class called one of names from package, checked by the
    classes' modules so that neither plotly nor matplotlib is imported to ask."""
    return any(cls.__module__.split(".")[0] == package and cls.__name__ in names for cls in type(obj).__mro__)


def _plotly_json(obj: Any) -> str:
    if _is_instance_of(obj, "plotly", ("BaseFigure",)):
        return obj.to_json()
    if _is_instance_of(obj, "matplotlib", ("Figure",)):
        mpl_to_plotly = _plotly("plotly.tools").mpl_to_plotly
        try:
            return mpl_to_plotly(obj).to_json()
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise ValueError(f"plotly could not convert this matplotlib figure: {exc}") from exc
    raise TypeError(f"aim.Figure takes a plotly or matplotlib figure, not {type_name(obj)}")


class Figure:
    """A figure to track, stored as plotly's JSON. Two Figures are equal when their JSON is.

    Figure(obj): obj is a plotly figure (any plotly.basedatatypes.BaseFigure) or a matplotlib
    figure, which plotly's mpl_to_plotly converts (plotly needed). The JSON is taken at once, so
    later changes to obj are not tracked.
    """

    KIND = "figure"
    __slots__ = ("_json", "_meta")

    def __init__(self, obj: Any) -> None:
        self._json = _plotly_json(obj)
        self._meta: dict[str, Any] = {"source": "plotly", "format": "raw_json", "version": _plotly_version()}

    def _record(self) -> tuple[dict, bytes]:
        """(meta, payload): meta names the source and format; payload is the JSON, UTF-8."""
        return self._meta, self._json.encode("utf-8")

    @classmethod
    def _from_record(cls, meta: dict, payload: bytes) -> Figure:
        figure = cls.__new__(cls)
        figure._json = bytes(payload).decode("utf-8")
        figure._meta = {key: meta.get(key) for key in ("source", "format", "version")}
        return figure

    @property
    def data(self) -> str:
        """The figure as plotly JSON (what plotly's `figure.to_json()` gave)."""
        return self._json

    def to_plotly_figure(self) -> Any:
        """The figure as a plotly Figure again (plotly needed)."""
        return _plotly("plotly.io").from_json(self._json)

    def json(self) -> dict:
        """The figure's metadata: source, format and plotly version."""
        return dict(self._meta)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Figure):
            return NotImplemented
        return self._json == other._json

    def __hash__(self) -> int:
        return hash((self.KIND, self._json))

    def __repr__(self) -> str:
        return f"Figure({len(self._json)} chars of plotly JSON)"


def _plotly_version() -> str:
    import sys

    plotly = sys.modules.get("plotly")  # loaded: the figure came from plotly
    return str(getattr(plotly, "__version__", "unknown"))
