"""The person a personal page is for, checked on creation, and how they fit each trial's published limits.

A :class:`Person` is what someone knows about themselves (MS type, age band, EDSS if known, today's 25-foot walk
time, walking-questionnaire score); a bad value raises :class:`PersonalInputError` in one line.
:func:`population_fit` says in words whether they are inside a trial's age and EDSS limits.
"""

from __future__ import annotations

from dataclasses import dataclass

from msevidence import formatting as fmt
from msevidence.errors import InputError
from msevidence.evidence import Trial

MS_TYPES = {"PPMS": "PPMS", "PRIMARY PROGRESSIVE": "PPMS", "RMS": "RMS", "RRMS": "RMS", "RELAPSING": "RMS"}
MS_TYPE_NAMES = {"PPMS": "primary progressive MS", "RMS": "relapsing MS"}
POPULATION_PREFIX = {"PPMS": "Primary progressive", "RMS": "Relapsing"}
AGE_BANDS = {"under 18": (0, 17), "18-29": (18, 29), "30-39": (30, 39), "40-49": (40, 49), "50-55": (50, 55),
             "56-65": (56, 65), "over 65": (66, 120)}
T25FW_LIMITS_S = (1.5, 180.0)  # the test is stopped at 180 s (MSFC manual); faster than 1.5 s is not a walk


class PersonalInputError(InputError):
    """A personal-page input that breaks a rule (which input, which rule)."""


# -- the person -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Person:
    """What a person knows. Checked on creation; a bad value raises :class:`PersonalInputError` (one line)."""

    ms_type: str = "PPMS"
    age_band: str | None = None
    edss: float | None = None
    t25fw_s: float | None = None
    msws12: float | None = None

    def __post_init__(self):
        kind = MS_TYPES.get(str(self.ms_type).strip().upper())
        if kind is None:
            raise PersonalInputError(f"ms_type: must be PPMS or RMS (relapsing MS), got {self.ms_type!r} "
                                     "(rule: MS types with ocrelizumab trials in the evidence store)")
        object.__setattr__(self, "ms_type", kind)
        if self.age_band is not None and self.age_band not in AGE_BANDS:
            raise PersonalInputError(f"age_band: must be one of {', '.join(AGE_BANDS)}, got {self.age_band!r}")
        if self.edss is not None:
            e = _number("edss", self.edss)
            if not (0 <= e <= 10 and (2 * e).is_integer() and e != 0.5):
                raise PersonalInputError(f"edss: must be 0 or 1.0 to 10.0 in steps of 0.5, got {self.edss!r} "
                                         "(rule: EDSS steps)")
            object.__setattr__(self, "edss", e)
        if self.t25fw_s is not None:
            t = _number("t25fw_s", self.t25fw_s)
            lo, hi = T25FW_LIMITS_S
            if not lo <= t <= hi:
                raise PersonalInputError(f"t25fw_s: must be between {lo:g} and {hi:g} seconds, got {self.t25fw_s!r} "
                                         "(rule: the 25-foot walk is stopped at 180 s)")
            object.__setattr__(self, "t25fw_s", t)
        if self.msws12 is not None:
            m = _number("msws12", self.msws12)
            if not 0 <= m <= 100:
                raise PersonalInputError(f"msws12: must be a score from 0 to 100, got {self.msws12!r} "
                                         "(rule: MSWS-12 on its 0-100 scale)")
            object.__setattr__(self, "msws12", m)

    @property
    def ms_type_name(self) -> str:
        return MS_TYPE_NAMES[self.ms_type]


def _number(name: str, value: object) -> float:
    if isinstance(value, bool):
        raise PersonalInputError(f"{name}: must be a number, got {value!r}")
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PersonalInputError(f"{name}: must be a number, got {value!r}") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise PersonalInputError(f"{name}: must be a finite number, got {value!r}")
    return x


# -- trial population ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PopulationFit:
    """Whether the person is inside a trial's published limits; `notes` say where they are not, in words."""

    trial_name: str
    limits: str
    inside: bool | None  # None: not enough known about the person to tell
    notes: tuple[str, ...]


def population_fit(trial: Trial, person: Person) -> PopulationFit:
    """The trial's age and EDSS limits (from its eligibility) against the person's age band and EDSS."""
    el = trial.eligibility
    limits = []
    if el.age_min is not None and el.age_max is not None:
        limits.append(f"aged {el.age_min} to {el.age_max}")
    if el.edss_min is not None and el.edss_max is not None:
        limits.append(f"EDSS {fmt.fixed(el.edss_min, 1)} to {fmt.fixed(el.edss_max, 1)}")
    notes: list[str] = []
    known = 0
    if person.age_band is not None and el.age_min is not None and el.age_max is not None:
        known += 1
        lo, hi = AGE_BANDS[person.age_band]
        if hi < el.age_min or lo > el.age_max:
            notes.append(f"Your age is outside the ages in {trial.name} ({el.age_min} to {el.age_max}). "
                         "Nobody your age was in the trial, so its numbers may not apply to you.")
        elif lo < el.age_min or hi > el.age_max:
            notes.append(f"Your age band is only partly inside the ages in {trial.name} "
                         f"({el.age_min} to {el.age_max}).")
    if person.edss is not None and el.edss_min is not None and el.edss_max is not None:
        known += 1
        if not el.edss_min <= person.edss <= el.edss_max:
            notes.append(f"Your EDSS of {fmt.fixed(person.edss, 1)} is outside the range in {trial.name} "
                         f"({fmt.fixed(el.edss_min, 1)} to {fmt.fixed(el.edss_max, 1)}). The numbers were not measured in people like "
                         "you, so they may not apply to you.")
    inside = None if known == 0 else not notes
    return PopulationFit(trial.name, " and ".join(limits) or "not published", inside, tuple(notes))
