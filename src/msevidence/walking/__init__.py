"""Walking speed (T25FW) as a first-class outcome, kept apart from EDSS disability progression.

>>> s = summarize_walking("visits.csv", week=120)          # doctest: +SKIP
>>> s.to_frame(); s.mixed_model; walking_verdict(s, trial)  # doctest: +SKIP
"""

from .mixed import MixedModelRatio, WalkingMixedModel
from .report import Verdict, published_vs_reproduced, walking_verdict
from .summary import ArmWalking, Discordance, WalkingSummary, discordance, summarize_walking
from .visits import (
    METRES_PER_FOOT,
    WALK_FEET,
    VisitsTableError,
    infer_arms,
    pct_change_by_visit,
    read_visits,
    validate_visits,
    walking_changes,
    walking_events,
)

__all__ = [
    "METRES_PER_FOOT", "WALK_FEET", "ArmWalking", "Discordance", "MixedModelRatio", "Verdict", "VisitsTableError",
    "WalkingMixedModel", "WalkingSummary", "discordance", "infer_arms", "pct_change_by_visit",
    "published_vs_reproduced", "read_visits", "summarize_walking", "validate_visits", "walking_changes",
    "walking_events", "walking_verdict",
]
