"""Patient-level data reconstructed from digitized Kaplan-Meier curves (Guyot et al. 2012)."""

from msevidence.reconstruct.guyot import ReconstructionError, reconstruct_ipd, reconstruct_trial

__all__ = ["ReconstructionError", "reconstruct_ipd", "reconstruct_trial"]
