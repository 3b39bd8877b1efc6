"""Pydantic models of the evidence store: one YAML file per trial.

Every number carries a ``source`` (reference key + locator) and a ``provenance``:
``published``, ``derived`` (with its ``formula``), ``assumption`` (with its ``rationale``) or ``synthetic``.
Endpoints are keyed by their *definition* (scale, threshold, confirmation window, analysis, week), not by name.
Cross-field rules (CI contains the estimate, arm sizes add up, ...) live in :mod:`msevidence.evidence.rules`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

Provenance = Literal["published", "derived", "assumption", "synthetic"]
Comparator = Literal["placebo", "active", "delayed_treatment"]
#: How each comparator kind is named wherever a trial or an effect is shown. Only "placebo" is a placebo comparison:
#: "active" compares ocrelizumab with another drug; "delayed_treatment" compares early with delayed ocrelizumab
#: (e.g. an open-label extension in which the control arm switched from placebo to ocrelizumab).
COMPARATOR_LABELS: dict[str, str] = {
    "placebo": "vs placebo",
    "active": "vs ACTIVE comparator, not placebo",
    "delayed_treatment": "early vs DELAYED ocrelizumab, not placebo",
}
#: Adjective for sentences: "a {…} trial".
COMPARATOR_ADJECTIVES: dict[str, str] = {
    "placebo": "placebo-controlled",
    "active": "active-controlled",
    "delayed_treatment": "early-versus-delayed-treatment",
}
Domain = Literal[
    "disability_progression",
    "walking_speed",
    "upper_limb",
    "composite_progression",
    "relapse",
    "mri",
    "safety",
]
Scale = Literal["EDSS", "T25FW", "9HPT", "composite", "relapse", "MRI", "MSFC", "NEDA", "safety"]
Analysis = Literal[
    "time_to_event",
    "change_from_baseline",
    "annualized_rate",
    "proportion_at_week",
    "proportion_over_period",  # share of patients with an event over the whole analysis period (e.g. safety)
    "repeated_events",
    "count_per_scan",
]
ArmStatistic = Literal[
    "proportion_with_event",  # share of patients with the event over the analysis period (time-to-event analysis)
    "km_proportion_at_week",  # Kaplan-Meier cumulative proportion with the event at `week`
    "proportion",  # crude proportion of patients meeting a criterion
    "mean_pct_change",  # arithmetic mean percent change from baseline
    "annualized_rate",
    "mean_cumulative_events",
    "mean_change",  # mean change on the scale's own units (e.g. MSFC z-score)
    "mean_count",
    "event_count",
    "median_time_years",
]
EffectStatistic = Literal[
    "hazard_ratio",
    "risk_ratio",
    "rate_ratio",
    "odds_ratio",
    "relative_reduction",  # 1 - ratio, as a fraction (0.24 = 24% lower)
    "risk_difference",
    "mean_difference",
    "time_difference_years",
    "ratio_of_geometric_means",  # ratio of the arms' (adjusted) geometric means on the scale's own units
]
#: Ratios of events or proportions that a normal likelihood on the log scale can re-read (bayes, pooling).
RATIO_STATISTICS = frozenset({"hazard_ratio", "risk_ratio", "rate_ratio", "odds_ratio"})
#: Whether higher is better per domain, when an endpoint does not say: each domain counts worsening, events,
#: lesions or harms (lower is better). Proportions and mean changes must say (rules.py).
DOMAIN_HIGHER_IS_BETTER: dict[str, bool] = {d: False for d in (
    "disability_progression", "walking_speed", "upper_limb", "composite_progression", "relapse", "mri", "safety")}
Blinding = Literal["double_blind", "open_label", "mixed"]
MissingData = Literal["imputed_as_event", "locf", "model_based", "complete_case", "not_stated"]
PROPORTION_STATISTICS = frozenset({"proportion_with_event", "km_proportion_at_week", "proportion"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a number was read: a reference key of the trial file and a locator in that publication."""

    ref: str = Field(description="Key of an entry in the trial's `references`.")
    locator: str = Field(min_length=1, description='Where in the reference: "Abstract", "Table 2", "Figure 1".')
    checked_at: str | None = Field(None, description="Address of the page where the figure was checked.")
    secondary: bool = Field(
        False,
        description="True when the figure was seen only in a secondary source (congress coverage, a summary site) "
                    "reporting the cited reference, not in the reference itself; `checked_at` names that page.",
    )

    @model_validator(mode="after")
    def _secondary_names_the_page(self):
        if self.secondary and not self.checked_at:
            raise ValueError("a figure seen only in a secondary source ('secondary: true') needs 'checked_at' "
                             "naming the page where it was read")
        return self


class Sourced(_Strict):
    """A number with its source and provenance (base class)."""

    source: Source
    provenance: Provenance = "published"
    formula: str | None = Field(None, description="How a derived number was computed from published ones.")
    rationale: str | None = Field(None, description="Why an assumption was chosen.")
    note: str | None = None

    @model_validator(mode="after")
    def _provenance_needs_explanation(self):
        if self.provenance == "derived" and not self.formula:
            raise ValueError("provenance 'derived' needs a 'formula' naming how it was computed")
        if self.provenance == "assumption" and not self.rationale:
            raise ValueError("provenance 'assumption' needs a 'rationale'")
        return self


class Reference(_Strict):
    """A publication. The primary publication is cited; congress abstracts say so in `kind`."""

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    authors: str | None = Field(..., description="Null when the page checked does not show them (say so in `note`).")
    title: str | None = Field(..., description="Null when the page checked does not show it (say so in `note`).")
    journal: str = Field(description="Journal, or the meeting (and abstract/poster number) of a congress abstract.")
    year: int | None = Field(None, ge=1950, le=2100, description="Null when the page checked does not show it.")
    volume: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    kind: Literal["journal", "congress_abstract", "registry", "label", "hta", "other"] = "journal"
    note: str | None = None


class Arm(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    label: str
    role: Literal["treatment", "control"]
    drug: str
    n_randomized: PositiveInt | None = Field(None, description="Patients randomized; null when not reported.")
    n_source: Source | None = None
    n_provenance: Provenance = "published"
    n_formula: str | None = None
    note: str | None = None


class Design(_Strict):
    phase: str
    randomization: str = Field(description='Allocation ratio, e.g. "2:1".')
    blinding: str
    allocation: Literal["randomised", "non_randomised"] = "randomised"
    masking: Blinding = Field("double_blind", description="Blinding of the trial's own period(s), for risk of bias; "
                                                           "an endpoint's `blinding` overrides it.")
    visit_interval_weeks: PositiveInt = 12
    treatment_weeks: PositiveInt | None = None
    min_follow_up_weeks: PositiveInt | None = None
    event_driven: bool = False
    follow_up_rule: str
    unconfirmed_progression: Literal["censor", "event", "not_stated"] = "not_stated"
    stratification: list[str] = []
    source: Source
    methods_source: Source | None = Field(
        None, description="Where `stratification` and `unconfirmed_progression` were read, when `source` does "
                          "not state them (e.g. a statistical-analysis section).")


class Eligibility(_Strict):
    population: str
    age_min: int | None = None
    age_max: int | None = None
    edss_min: float | None = None
    edss_max: float | None = None
    other: list[str] = []
    source: Source


class Baseline(Sourced):
    characteristic: str = Field(description="e.g. edss, age_years, female, t25fw_s")
    arm: str
    unit: str
    mean: float | None = None
    sd: float | None = Field(None, ge=0)
    median: float | None = None
    min: float | None = None
    max: float | None = None
    count: int | None = Field(None, ge=0)
    proportion: float | None = None


class Definition(_Strict):
    """What an endpoint measures. Two endpoints differ when any of these fields differ."""

    scale: Scale
    analysis: Analysis
    threshold: str | None = Field(None, description='Worsening rule, e.g. "EDSS CDP rule", ">=20% increase".')
    threshold_pct: float | None = Field(None, description="Percent increase that counts as worsening.")
    confirmation_weeks: PositiveInt | None = None
    week: float | None = Field(None, ge=0, description="Time point in weeks, for analyses at a week.")
    components: list[Scale] = []
    milestone: str | None = Field(None, description='e.g. "EDSS >= 7.0" for milestone endpoints.')
    period: str = Field("double-blind", description='Analysis period, e.g. "double-blind", "DBP+ECP+OLE".')
    summary: str = Field(description="The summary statistic the publication reports.")


class ArmResult(Sourced):
    arm: str
    statistic: ArmStatistic
    value: float
    mean_kind: Literal["arithmetic", "adjusted_geometric"] = Field(
        "arithmetic", description="For a mean percent change: arithmetic, or adjusted geometric (a model on "
                                  "log-transformed values, back-transformed), as the publication reports it.")
    ci_low: float | None = None
    ci_high: float | None = None
    week: float | None = Field(None, ge=0)
    n: PositiveInt | None = None
    events: int | None = Field(None, ge=0)


class Effect(Sourced):
    statistic: EffectStatistic
    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None
    p: float | None = None
    p_relation: Literal["=", "<"] = "="
    treatment: str
    control: str
    method: str | None = None


class Endpoint(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str
    domain: Domain
    definition: Definition
    primary: bool = False
    higher_is_better: bool | None = Field(None, description="True when more of the measure is good (e.g. free of "
                                          "progression); null: the domain's default (lower is better).")
    measures: Literal["worsening", "improvement"] = Field(
        "worsening", description="worsening (events, or staying free of them) or improvement (confirmed gain).")
    post_hoc: bool = Field(False, description="True for an analysis not prespecified (as the publication says).")
    blinding: Blinding | None = Field(None, description="Blinding of the analysis period (mixed: double-blind then "
                                                         "open-label); null: the design's `masking`.")
    missing_data: MissingData = Field("not_stated", description="Handling of missing outcomes, e.g. imputed_as_event "
                                                                "(unconfirmed events counted), locf.")
    missing_data_source: Source | None = Field(None, description="Where the handling of missing data was read.")

    @property
    def favourable_higher(self) -> bool:
        """Whether higher values of the measure (and ratios above 1) are good for patients."""
        return self.higher_is_better if self.higher_is_better is not None else DOMAIN_HIGHER_IS_BETTER[self.domain]
    results: list[ArmResult] = []
    effects: list[Effect] = []
    note: str | None = None

    def result(self, arm: str, statistic: str | None = None) -> ArmResult | None:
        """The first result for `arm` (and `statistic`, if given)."""
        return next(
            (r for r in self.results if r.arm == arm and (statistic is None or r.statistic == statistic)), None
        )

    def effect(self, statistic: str = "hazard_ratio") -> Effect | None:
        """The first effect with this statistic."""
        return next((e for e in self.effects if e.statistic == statistic), None)


class Curve(_Strict):
    """A digitized Kaplan-Meier curve of one arm: CSV of clicks (and its numbers at risk), under data/digitized/.

    The curve CSV has ``time_weeks`` and ``survival`` or ``cumulative_incidence`` (and ``arm`` when one file
    holds several arms); numbers at risk have ``time_weeks, n_at_risk`` (and ``arm``). A curve digitized from
    a publication has ``provenance: published`` and its `source` (the figure); a made-up example drawn from
    SYNTHETIC data has ``provenance: synthetic`` and ``example: true`` and never stands for a published figure.
    """

    endpoint: str
    arm: str
    file: str = Field(description="Path relative to the repository root, under data/digitized/.")
    numbers_at_risk: str | None = Field(None, description="CSV with columns time_weeks, n_at_risk (and arm).")
    source: Source | None = Field(None, description="The published figure (required unless provenance is synthetic).")
    provenance: Literal["published", "synthetic"] = Field(
        "published", description="published: digitized from `source`; synthetic: an example made from synthetic data.")
    example: bool = Field(False, description="True for an example digitization that is not a published figure.")
    note: str | None = None


class Assumption(_Strict):
    """A number the generator needs but no publication gives: named, explained, changeable."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    value: float
    unit: str
    rationale: str
    context: Source | None = Field(None, description="Published context the assumption leans on.")
    provenance: Literal["assumption"] = "assumption"


class Discrepancy(_Strict):
    about: str
    text: str
    refs: list[str] = []


class Trial(_Strict):
    """One trial (or one pooled analysis) and its published results."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    name: str
    title: str
    registry: list[str] = []
    population: str
    phenotype: Literal["primary_progressive", "relapsing", "secondary_progressive"] | None = Field(
        None, description="MS phenotype of the population, for the indirectness of a result to a question.")
    comparator: Comparator
    comparator_label: str
    status: Literal["results", "no results yet"] = Field(
        "results", description="'no results yet' for a trial recorded before it has published endpoints.")
    design: Design
    eligibility: Eligibility
    references: list[Reference] = Field(min_length=1)
    arms: list[Arm] = Field(min_length=2)
    total_randomized: PositiveInt | None = None
    total_source: Source | None = None
    baseline: list[Baseline] = []
    endpoints: list[Endpoint] = []
    curves: list[Curve] = []
    assumptions: list[Assumption] = []
    discrepancies: list[Discrepancy] = []
    gaps: list[str] = Field([], description="What was looked for and not found (a gap stays a gap).")
    notes: list[str] = []

    # -- lookups -----------------------------------------------------------------------------------
    def arm(self, key: str) -> Arm:
        """Arm by id or by role ("treatment" / "control")."""
        for a in self.arms:
            if key in (a.id, a.role):
                return a
        raise KeyError(f"{self.id}: no arm {key!r} (arms: {', '.join(a.id for a in self.arms)})")

    @property
    def treatment(self) -> Arm:
        return self.arm("treatment")

    @property
    def control(self) -> Arm:
        return self.arm("control")

    def endpoint(self, endpoint_id: str) -> Endpoint:
        for e in self.endpoints:
            if e.id == endpoint_id:
                return e
        raise KeyError(f"{self.id}: no endpoint {endpoint_id!r}")

    def find_endpoints(self, **definition) -> list[Endpoint]:
        """Endpoints whose definition matches every given field, e.g. ``scale="EDSS", confirmation_weeks=12``."""
        return [
            e for e in self.endpoints if all(getattr(e.definition, k) == v for k, v in definition.items())
        ]

    def find_endpoint(self, **definition) -> Endpoint | None:
        """The single endpoint matching `definition` (primary first), or None."""
        found = sorted(self.find_endpoints(**definition), key=lambda e: not e.primary)
        return found[0] if found else None

    def baseline_of(self, characteristic: str, arm: str | None = None) -> Baseline | None:
        return next(
            (b for b in self.baseline if b.characteristic == characteristic and (arm is None or b.arm == arm)),
            None,
        )

    def assumption(self, assumption_id: str) -> Assumption:
        for a in self.assumptions:
            if a.id == assumption_id:
                return a
        raise KeyError(f"{self.id}: no assumption {assumption_id!r}")

    def reference(self, key: str) -> Reference:
        for r in self.references:
            if r.key == key:
                return r
        raise KeyError(f"{self.id}: no reference {key!r}")

    def cite(self, source: Source) -> str:
        """Short citation, e.g. 'Montalban et al., N Engl J Med 2017 (Abstract)'."""
        r = self.reference(source.ref)
        year = f" {r.year}" if r.year and str(r.year) not in r.journal else ""
        seen = "; seen only in a secondary report" if source.secondary else ""
        if not r.authors:
            return f"{r.journal}{year} ({source.locator}{seen})"
        names = [a.strip() for a in r.authors.split(",")]
        who = names[0] if r.kind in ("hta", "label", "registry") or len(names) == 1 else f"{names[0]} et al."
        return f"{who}, {r.journal}{year} ({source.locator}{seen})"
