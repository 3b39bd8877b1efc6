"""Terminal and JSON output of the commands: user text never read as Rich markup or acted on as control
characters, JSON always strict.

:func:`console` never interprets ``[...]`` in text (arm names such as ``[/PBO]`` print literally) and strips
every control character (an ``ESC[2J`` in an arm or study name is not sent to the terminal); styling is given
with :class:`rich.text.Text`. :func:`inert` shows control characters as visible escapes (``\\x1b``). :func:`dumps` writes strict JSON (``allow_nan=False``): a non-finite
number becomes ``null`` with ``"<key>_reason"`` beside it. Numbers become text only through
:mod:`msevidence.formatting`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from rich.console import Console, RenderHook
from rich.segment import Segment
from rich.text import Text

from msevidence.errors import _CONTROL, inert

NOT_ESTIMABLE = "not estimable"
__all__ = ["NOT_ESTIMABLE", "bold", "console", "dumps", "estimability", "finite", "inert"]


class _Inert:
    """A renderable whose text segments carry no control characters (Rich's own styling codes are kept)."""

    def __init__(self, renderable: Any):
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: Any):
        for seg in console.render(self.renderable, options):
            yield seg if seg.control else Segment(_CONTROL.sub("", seg.text), seg.style)


class _StripControls(RenderHook):
    def process_renderables(self, renderables: list) -> list:
        return [_Inert(r) for r in renderables]


def console(**kwargs: Any) -> Console:
    """A Console that prints text as it is: no markup, no emoji codes, no automatic highlighting, no control
    characters from the text."""
    c = Console(markup=False, emoji=False, highlight=False, **kwargs)
    c.push_render_hook(_StripControls())
    return c


def bold(text: str) -> Text:
    return Text(inert(text), style="bold")


def finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _strict(obj: Any) -> Any:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            if isinstance(v, float) and not math.isfinite(v):
                out[str(k)] = None
                out.setdefault(f"{k}_reason", f"not estimable (the computation gave {v})")
            else:
                out[str(k)] = _strict(v)
        return out
    if isinstance(obj, list | tuple):
        return [None if isinstance(v, float) and not math.isfinite(v) else _strict(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str | bytes):  # numpy scalar
        return _strict(obj.item())
    return obj


def dumps(obj: Any, **kwargs: Any) -> str:
    """Strict JSON: non-finite numbers become null with a reason beside them; NaN/Infinity never appear."""
    return json.dumps(_strict(obj), allow_nan=False, ensure_ascii=False, **kwargs)


def estimability(result: Any) -> dict[str, Any]:
    """``{"estimable": bool, "reason": str | None}`` of a model result that says whether it is estimable."""
    est = getattr(result, "estimable", True)
    return {"estimable": bool(est), "reason": None if est else getattr(result, "reason", None)}
