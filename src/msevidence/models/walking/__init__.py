"""Walking speed (T25FW) as a first-class outcome, kept apart from EDSS disability progression.

>>> from msevidence.synthetic import simulate_trial
>>> sim = simulate_trial("ORATORIO", seed=1, n_per_arm={"OCR": 60, "PBO": 30})
>>> s = summarize_walking(sim.visits, week=120)
>>> s.treatment, s.control, s.arm("OCR").n_patients
('OCR', 'PBO', 60)

Then ``s.to_frame()``, ``s.mixed_model``, ``s.plot()``; a visits file path works as well as a table.
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
