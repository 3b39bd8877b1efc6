"""The timed 25-foot walk (T25FW) range a visits table may hold, without pandas (the command line reads it first).

Below 1 s is faster than a sprint over 7.6 m; above 600 s (10 minutes) is not a walk time. A protocol's own range
is narrower (the MSFC manual stops a walk at 180 s and records that the patient could not complete it): pass
"1,180" for such data. Override: ``$MSEVIDENCE_T25FW_RANGE_S="MIN,MAX"`` (``msevidence walking --t25fw-range``).
"""

from __future__ import annotations

import math
import os

from msevidence.errors import OptionError

T25FW_RANGE_S = (1.0, 600.0)
T25FW_RANGE_VAR = "MSEVIDENCE_T25FW_RANGE_S"


def t25fw_range_s() -> tuple[float, float]:
    """The plausible T25FW range in seconds: :data:`T25FW_RANGE_S`, or ``$MSEVIDENCE_T25FW_RANGE_S`` ("MIN,MAX")."""
    text = os.environ.get(T25FW_RANGE_VAR)
    if not text:
        return T25FW_RANGE_S
    try:
        low, high = (float(x) for x in text.split(","))
    except ValueError:
        raise OptionError(T25FW_RANGE_VAR, f"expected MIN,MAX in seconds, got {text!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
        raise OptionError(T25FW_RANGE_VAR, f"expected 0 < MIN < MAX (finite seconds), got {text!r}")
    return low, high
