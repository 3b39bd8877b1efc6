"""Icon arrays of 100 people in the four groups of a Cates plot, drawn so that shape alone tells them apart.

For one bad outcome (for example, disability getting worse) over a stated time, 100 people fall into four groups:

- **worse either way**: they have the outcome with and without treatment (filled square);
- **spared by treatment**: they have it without treatment but not with it (star);
- **harmed by treatment**: they have it only with treatment (downward triangle);
- **fine either way**: they do not have it either way (circle).

Counts are published risks rounded to whole people (:func:`out_of_100`, half up). The same person sits at the same
place in the "without" and "with" panels; a filled mark means "has the outcome in this panel", a hollow one "does
not". Colour repeats the group but is never needed to read the picture. Only dichotomous outcomes (a share of
people) can be drawn; a mean change has no "people with the outcome" and is refused upstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from msevidence import formatting as fmt

GROUPS = ("worse_either", "spared", "harmed", "fine")
MARKERS = {"worse_either": "s", "spared": "*", "harmed": "v", "fine": "o"}
SIZES = {"worse_either": 150, "spared": 260, "harmed": 170, "fine": 150}
COLORS = {"worse_either": "#8c2d19", "spared": "#e08a00", "harmed": "#6a4c93", "fine": "#7f7f7f"}
LABELS = {"worse_either": "worse either way", "spared": "spared by treatment",
          "harmed": "harmed by treatment", "fine": "fine either way"}
Scenario = Literal["without", "with", "groups"]


def out_of_100(fraction: float) -> int:
    """People out of 100 for a proportion, rounded half up on the decimal value as written
    (0.005 -> 1, 0.393 -> 39, 0.3157 -> 32, 0.345 -> 35)."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"a proportion must be between 0 and 1, got {fraction}")
    return fmt.whole_people(fraction, 100)


@dataclass(frozen=True)
class CatesCounts:
    """Out of 100 people: how many have the outcome without and with treatment, and the four Cates groups."""

    without: int
    with_: int

    def __post_init__(self):
        for name, n in (("without", self.without), ("with", self.with_)):
            if not (isinstance(n, int) and 0 <= n <= 100):
                raise ValueError(f"{name}: people out of 100 must be a whole number from 0 to 100, got {n!r}")

    @classmethod
    def from_risks(cls, risk_without: float, risk_with: float) -> CatesCounts:
        """From the two risks (proportions with the outcome), each rounded to whole people."""
        return cls(out_of_100(risk_without), out_of_100(risk_with))

    @property
    def worse_either(self) -> int:
        return min(self.without, self.with_)

    @property
    def spared(self) -> int:
        return max(self.without - self.with_, 0)

    @property
    def harmed(self) -> int:
        return max(self.with_ - self.without, 0)

    @property
    def fine(self) -> int:
        return 100 - max(self.without, self.with_)

    def group_sizes(self) -> dict[str, int]:
        return {g: getattr(self, g) for g in GROUPS}

    def people(self) -> list[str]:
        """The group of each of the 100 people, in drawing order (row by row from the top left)."""
        return [g for g in GROUPS for _ in range(getattr(self, g))]


def _has_outcome(group: str, scenario: Scenario) -> bool:
    if scenario == "groups":
        return True
    return group == "worse_either" or group == ("spared" if scenario == "without" else "harmed")


def icon_array(counts: CatesCounts, scenario: Scenario = "groups", ax: Any = None, title: str | None = None,
               labels: dict[str, str] | None = None, legend: bool = True) -> Any:
    """A 10×10 array of 100 people. `scenario` "without"/"with" fills the people who have the outcome in that
    arm (hollow: do not); "groups" fills everyone (one picture of the four groups). Returns the Axes."""
    import matplotlib.pyplot as plt

    if not isinstance(counts, CatesCounts):
        raise TypeError("icon_array draws CatesCounts (people out of 100); a mean change cannot be drawn as people")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4.6))
    people = counts.people()
    for g in GROUPS:
        idx = [i for i, k in enumerate(people) if k == g]
        if not idx:
            continue
        xs, ys = [i % 10 for i in idx], [9 - i // 10 for i in idx]
        filled = _has_outcome(g, scenario)
        ax.scatter(xs, ys, s=SIZES[g], marker=MARKERS[g], linewidths=1.3, edgecolors=COLORS[g],
                   facecolors=COLORS[g] if filled else "white", zorder=2, label=g)
    ax.set_xlim(-0.7, 9.7)
    ax.set_ylim(-0.7, 9.7)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10, loc="left")
    if legend:
        names = labels or LABELS
        handles = _handles(counts, names, hollow_fine=scenario != "groups")
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False, fontsize=9)
    return ax


def icon_array_pair(counts: CatesCounts, without_title: str, with_title: str, labels: dict[str, str] | None = None,
                    suptitle: str | None = None, axes: Any = None) -> Any:
    """Two arrays side by side: the same 100 people without and with treatment, and one legend explaining that
    filled = has the outcome, hollow = does not. Returns the Figure."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(8.6, 4.9))
    else:
        fig = axes[0].figure
    for ax, scenario, title in ((axes[0], "without", without_title), (axes[1], "with", with_title)):
        icon_array(counts, scenario, ax=ax, title=title, legend=False)
    names = labels or LABELS
    handles = _handles(counts, names, hollow_fine=True)
    handles.append(Line2D([], [], marker="o", ls="", markersize=10, markeredgecolor="#333333",
                          markerfacecolor="white", label="hollow: did not have it in that picture"))
    fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False, fontsize=9.5)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11, x=0.02, ha="left")
    fig.subplots_adjust(bottom=0.2, top=0.86 if suptitle else 0.92, wspace=0.08)
    return fig


def _handles(counts: CatesCounts, names: dict[str, str], hollow_fine: bool) -> list:
    """Legend entries: each group's shape and size (people who are fine either way are hollow in the pair)."""
    from matplotlib.lines import Line2D

    sizes = counts.group_sizes()
    return [Line2D([], [], marker=MARKERS[g], ls="", markersize=10, markeredgecolor=COLORS[g],
                   markerfacecolor="white" if hollow_fine and g == "fine" else COLORS[g],
                   label=f"{names[g]} ({sizes[g]})") for g in GROUPS if sizes[g]]
