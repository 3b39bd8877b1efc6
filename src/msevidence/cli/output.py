"""Terminal and JSON output of the commands: user text never read as Rich markup, JSON always strict.

:func:`console` never interprets ``[...]`` in text (arm names such as ``[/PBO]`` print literally); styling is
given with :class:`rich.text.Text`. :func:`dumps` writes strict JSON (``allow_nan=False``): a non-finite
number becomes ``null`` with ``"<key>_reason"`` beside it. :func:`number` prints "not estimable" instead of NaN.
"""

from __future__ import annotations

import json
import math
from typing import Any

from rich.console import Console
from rich.text import Text

NOT_ESTIMABLE = "not estimable"


def console(**kwargs: Any) -> Console:
    """A Console that prints text as it is: no markup, no emoji codes, no automatic highlighting."""
    return Console(markup=False, emoji=False, highlight=False, **kwargs)


def bold(text: str) -> Text:
    return Text(str(text), style="bold")


def finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def number(x: Any, fmt: str = ".3f", missing: str = NOT_ESTIMABLE) -> str:
    """`x` formatted, or `missing` when it is None, NaN or infinite (never 'nan' or 'inf')."""
    return format(x, fmt) if finite(x) else missing


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
