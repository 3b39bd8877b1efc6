"""Report sets (``reports/*.yaml``): the schema, where sets and notebooks are found, and run expansion."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from msevidence import paths
from msevidence.errors import EvidenceFileError, InputError, ReportSetError
from msevidence.evidence.yamlio import read_yaml
from msevidence.safeio import MAX_JSON_BYTES, read_bytes

KERNEL_NAME = "python3"
Audience = Literal["analyst", "lay", "both"]
MAX_NAME = 100  # characters of a set or run name (they become file and folder names)
SET_NAME = re.compile(rf"[A-Za-z0-9_\-]{{1,{MAX_NAME}}}")


class Run(BaseModel):
    """One notebook execution: its name (used in file names), notebook, parameters and audience."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", max_length=MAX_NAME)
    notebook: str
    title: str | None = None
    parameters: dict[str, Any] = {}
    audience: Audience = "both"
    for_each: Literal["placebo_trial"] | None = Field(
        None, description="Expand into one run per placebo-controlled trial of the evidence store that has "
                          "calibration targets for synthetic data (sets `trial`).")

    def audiences(self) -> list[str]:
        return ["analyst", "lay"] if self.audience == "both" else [self.audience]


class ReportSet(BaseModel):
    """A list of runs rendered together (``reports/<name>.yaml``)."""

    model_config = ConfigDict(extra="forbid")
    name: str = ""
    title: str = "msevidence reports"
    description: str = ""
    runs: list[Run] = Field(min_length=1)
    path: str | None = None

    @field_validator("name")
    @classmethod
    def _folder_name(cls, name: str) -> str:
        if name and not SET_NAME.fullmatch(name):
            raise ValueError(f"set name {name!r} must use letters, digits, - and _, at most {MAX_NAME} characters "
                             "(rule: a set's name is its output folder)")
        return name

    @model_validator(mode="after")
    def _unique_names(self):
        names = [r.name for r in self.runs]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"run names must be unique; repeated: {', '.join(dupes)}")
        return self


def set_path(name_or_path: str | Path) -> Path:
    """``reports/<name>.yaml`` for a bare name, else the path given."""
    p = Path(name_or_path)
    if p.suffix in {".yaml", ".yml"} or p.parent != Path("."):
        return p
    return paths.report_sets_dir() / f"{p.name}.yaml"


def notebook_path(notebook: str, base: Path | None = None) -> Path:
    """A bare name means ``notebooks/<name>.ipynb``; a relative path is relative to `base` (the repository)."""
    p = Path(notebook)
    if p.parent == Path(".") and not p.suffix:
        return paths.notebooks_dir() / f"{p.name}.ipynb"
    return p if p.is_absolute() else (base or paths.home()) / p


def load_report_set(name_or_path: str | Path) -> ReportSet:
    """Read and validate a report set; raises :class:`ReportSetError` with a one-line message."""
    path = set_path(name_or_path)
    if not path.is_file():
        known = sorted(q.stem for q in paths.report_sets_dir().glob("*.yaml"))
        raise ReportSetError(f"{path}: report set not found (known sets: {', '.join(known) or 'none'})")
    try:
        data, _ = read_yaml(path, str(path))  # bounded, no tags or aliases, limited depth
    except EvidenceFileError as exc:
        p = exc.problems[0]
        what = p.message.removeprefix("YAML syntax error: ")
        raise ReportSetError(f"{path}:{p.line}: {p.field}: not valid YAML ({what})" if p.field == "(syntax)"
                             else f"{path}:{p.line}: {p.field}: {what}") from None
    if not isinstance(data, dict):
        raise ReportSetError(f"{path}: expected a mapping with a 'runs' list at the top level")
    data.setdefault("name", path.stem)
    try:
        rs = ReportSet.model_validate({**data, "path": str(path)})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(f"[{x}]" if isinstance(x, int) else str(x) for x in err["loc"]).replace(".[", "[")
        raise ReportSetError(f"{path}: {where or '(file)'}: {err['msg']}") from None
    base = path.resolve().parent.parent
    rs = rs.model_copy(update={"runs": [x for r in rs.runs for x in _expand(r)]})
    for i, run in enumerate(rs.runs):
        nb = notebook_path(run.notebook, base)
        check_notebook(nb, f"{path}: runs[{i}].notebook", (paths.notebooks_dir(), path.parent))
        unknown = sorted(set(run.parameters) - set(notebook_parameters(nb)))
        if unknown:
            raise ReportSetError(f"{path}: runs[{i}].parameters: {', '.join(unknown)} not in the parameters cell "
                                 f"of {nb.name} (known: {', '.join(notebook_parameters(nb))})")
    return rs


def check_notebook(nb: Path, where: str, roots: tuple[Path, ...]) -> None:
    """A notebook a set file names: inside one of `roots` (the notebooks folder, the set file's own folder;
    links resolved), ending in ``.ipynb``, a regular file of at most 50 MB that reads as a notebook."""
    import nbformat

    real = nb.resolve()
    if not any(real.is_relative_to(r.resolve()) for r in roots):
        raise ReportSetError(f"{where}: {nb} is outside the notebooks folder ({roots[0]}) and the set file's folder "
                             "(rule: a set file names notebooks in notebooks/ or beside itself)")
    if nb.suffix != ".ipynb":
        raise ReportSetError(f"{where}: {nb} is not a notebook file (rule: notebooks end in .ipynb)")
    if not nb.is_file():
        raise ReportSetError(f"{where}: {nb} does not exist")
    try:
        data = read_bytes(nb, MAX_JSON_BYTES)
    except InputError as exc:
        raise ReportSetError(f"{where}: {exc}") from None
    try:
        nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 - any reader failure is one line naming the notebook
        raise ReportSetError(f"{where}: {nb} is not a valid notebook ({type(exc).__name__}) "
                             "(rule: a Jupyter notebook)") from None


def effective_parameters(nb: str | Path, given: dict[str, Any]) -> dict[str, Any]:
    """The notebook's defaults (as Python literals where possible) updated with the given parameters."""
    out: dict[str, Any] = {}
    for k, v in notebook_parameters(Path(nb)).items():
        try:
            out[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            out[k] = v
    return {**out, **given}


def _expand(run: Run) -> list[Run]:
    """A `for_each: placebo_trial` run becomes one run per simulatable placebo-controlled trial (name suffixed)."""
    if run.for_each is None:
        return [run]
    from msevidence.evidence import load_evidence

    return [run.model_copy(update={
        "name": f"{run.name}-{t.id.lower().replace('_', '-')}", "for_each": None,
        "parameters": {**run.parameters, "trial": t.id}, "title": f"{run.title or run.name}: {t.name}"})
        for t in load_evidence().placebo_controlled() if simulatable(t)]


def simulatable(trial) -> bool:
    """Whether the synthetic generator has calibration targets for `trial` (EDSS CDP with control proportions)."""
    from msevidence.synthetic import CalibrationError, targets

    try:
        return bool(targets(trial))
    except CalibrationError:
        return False


def notebook_parameters(nb: Path) -> dict[str, Any]:
    """Names and defaults of the notebook's ``parameters`` cell."""
    import nbformat
    import papermill as pm

    node = nbformat.read(str(nb), as_version=4)
    node.metadata.setdefault("kernelspec", {"name": KERNEL_NAME, "language": "python", "display_name": "Python 3"})
    return {k: v.get("default") for k, v in pm.inspect_notebook(node).items()}


