"""The evidence store: curated, cited trial summaries (``evidence/*.yaml``), loaded and validated."""

from msevidence.evidence.claims import Claim, ClaimsLedger
from msevidence.evidence.schema import (
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
from msevidence.evidence.store import (
    EvidenceSet,
    default_evidence_dir,
    load_claims,
    load_evidence,
    load_trial,
    require_placebo,
    validate,
)
from msevidence.evidence.yamlio import EvidenceFileError, Problem

__all__ = [
    "Arm", "ArmResult", "Assumption", "Baseline", "Claim", "ClaimsLedger", "Definition", "Effect", "Endpoint",
    "EvidenceFileError", "load_claims",
    "EvidenceSet", "Problem", "Reference", "Source", "Trial", "default_evidence_dir", "load_evidence",
    "load_trial", "require_placebo", "validate",
]
