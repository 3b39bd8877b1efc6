"""Walking speed (T25FW) as a first-class outcome, kept apart from EDSS disability progression.

>>> s = summarize_walking("visits.csv", week=120)          # doctest: +SKIP
>>> s.to_frame(); s.mixed_model; s.plot()  # doctest: +SKIP
"""

from msevidence.models.walking.mixed import MixedModelRatio, WalkingMixedModel
from msevidence.models.walking.summary import (
           ArmWalking,
           Discordance,
           WalkingSummary,
           discordance,
           summarize_walking,
)

__all__ = ["ArmWalking", "Discordance", "MixedModelRatio", "WalkingMixedModel", "WalkingSummary", "discordance",
           "summarize_walking"]
