"""Patient-level data reconstructed from digitized Kaplan-Meier curves (Guyot et al. 2012), labelled RECONSTRUCTED.

- :mod:`.guyot`: the algorithm, one arm at a time; :mod:`.quality`: KM and numbers-at-risk checks;
- :mod:`.reconstruction`: :class:`KMReconstruction` (clean, check, reconstruct, report, write);
- :mod:`.digitize`: a simulated digitizer (round-trip validation, the shipped synthetic example);
- :mod:`.trial`: reconstruction of a trial's curves listed in its evidence file.
"""

from msevidence.errors import ReconstructionError
from msevidence.reconstruct.guyot import ArmReconstruction, guyot_arm
from msevidence.reconstruct.quality import QualityReport, quality_report
from msevidence.reconstruct.reconstruction import KMReconstruction, reconstruct_ipd, reconstructed_label
from msevidence.reconstruct.trial import reconstruct_trial

__all__ = ["ArmReconstruction", "KMReconstruction", "QualityReport", "ReconstructionError", "guyot_arm",
           "quality_report", "reconstruct_ipd", "reconstruct_trial", "reconstructed_label"]
