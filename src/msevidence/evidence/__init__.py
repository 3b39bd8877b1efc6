"""The evidence store: curated, cited trial summaries (``evidence/*.yaml``), loaded and validated."""

from .schema import (
    Arm,
    ArmResult,
    Assumption,
    Baseline,
    Definition,
    Effect,
    Endpoint,
    Reference,
    Source,
    Trial,
)
from .store import EvidenceSet, default_evidence_dir, load_evidence, load_trial, validate
from .yamlio import EvidenceFileError, Problem

__all__ = [
    "Arm", "ArmResult", "Assumption", "Baseline", "Definition", "Effect", "Endpoint", "EvidenceFileError",
    "EvidenceSet", "Problem", "Reference", "Source", "Trial", "default_evidence_dir", "load_evidence",
    "load_trial", "validate",
]
