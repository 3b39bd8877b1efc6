"""Safe YAML reading that remembers the line of every value.

Evidence files are small, hand-written documents. This reader refuses what they never need and what could hurt:
files over :data:`MAX_BYTES` and anything that is not a regular file (read with a bound, so ``/dev/zero`` fails
at once), NUL and other control characters, nesting deeper than :data:`MAX_DEPTH`, explicit tags
(``!!python/name:...``; only plain YAML scalars, lists and mappings), anchors and aliases (no "billion laughs"),
duplicate keys, non-string keys, and non-finite numbers (``.inf``, ``.nan``, ``1e999``).
Every problem is raised as :class:`EvidenceFileError` with a line number, never as a YAML traceback.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from msevidence.errors import EvidenceFileError, InputError
from msevidence.safeio import MAX_YAML_BYTES, MAX_YAML_DEPTH, read_bytes

MAX_BYTES = MAX_YAML_BYTES
MAX_DEPTH = MAX_YAML_DEPTH
PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an evidence file: `FILE:LINE: FIELD: message`."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"




def field_name(loc: Loc) -> str:
    """('endpoints', 0, 'effects', 1, 'ci_low') -> 'endpoints[0].effects[1].ci_low'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


# libyaml's parser when PyYAML was built with it (PyPI's wheels are): ~40 times faster than the pure-Python one
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPEN, _CLOSE = (yaml.MappingStartEvent, yaml.SequenceStartEvent), (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _refuse_structure(text: str) -> None:
    """First pass, over the parser's events only: refuse anchors, aliases and nesting deeper than
    :data:`MAX_DEPTH` before anything is composed (libyaml's parser keeps its own stack, so even a file of a
    million opening brackets is read without recursion)."""
    loader, depth, too_deep = _Loader(text), 0, f"nesting deeper than {MAX_DEPTH} levels (rule: nesting depth)"
    try:
        while True:
            try:
                if not loader.check_event():
                    break
                event = loader.get_event()
            except yaml.MarkedYAMLError as exc:  # libyaml stops at its own limit (1,000 levels), said our way
                if "nesting depth" not in (exc.problem or ""):
                    raise
                raise yaml.MarkedYAMLError(problem=too_deep, problem_mark=exc.problem_mark) from None
            if isinstance(event, yaml.AliasEvent):
                raise yaml.MarkedYAMLError(problem="anchors and aliases (*name) are not allowed in evidence files",
                                           problem_mark=event.start_mark)
            if getattr(event, "anchor", None):
                raise yaml.MarkedYAMLError(problem="anchors (&name) are not allowed in evidence files",
                                           problem_mark=event.start_mark)
            depth += isinstance(event, _OPEN) - isinstance(event, _CLOSE)
            if depth > MAX_DEPTH:
                raise yaml.MarkedYAMLError(problem=too_deep, problem_mark=event.start_mark)
    finally:
        loader.dispose()


def _compose(text: str):
    _refuse_structure(text)
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, dict[Loc, int]]:
    """Parse `path` into plain Python data and a map from field location to 1-based line number."""
    name = display or str(path)
    try:
        raw = read_bytes(path, MAX_BYTES, display=name)
    except InputError as exc:
        raise EvidenceFileError([Problem(name, 0, "(file)", str(exc).removeprefix(f"{name}: "))]) from None
    bad = _CONTROL.search(raw.decode("latin-1"))
    if bad:
        line = raw.count(b"\n", 0, bad.start()) + 1
        raise EvidenceFileError([Problem(name, line, "(file)", f"control character {bad.group()!r} at byte "
                                         f"{bad.start()} (rule: text without NUL or control characters)")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise EvidenceFileError(
            [Problem(name, line, "(file)", f"not UTF-8 text ({exc.reason} at byte {exc.start}) (rule: UTF-8 text)")]
        ) from None
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = " ".join(s for s in (exc.context, exc.problem) if s)
        raise EvidenceFileError([Problem(name, line, "(syntax)", f"YAML syntax error: {' '.join(what.split())}")]) from None
    except yaml.YAMLError as exc:
        raise EvidenceFileError([Problem(name, 0, "(syntax)", f"YAML error: {' '.join(str(exc).split())}")]) from None
    if node is None:
        raise EvidenceFileError([Problem(name, 1, "(file)", "file is empty; expected a trial mapping")])
    lines: dict[Loc, int] = {}
    problems: list[Problem] = []
    data = _to_python(node, (), lines, problems, name)
    if problems:
        raise EvidenceFileError(problems)
    return data, lines


def _to_python(node: yaml.Node, loc: Loc, lines: dict[Loc, int], problems: list[Problem], name: str) -> Any:
    lines[loc] = node.start_mark.line + 1
    if node.tag not in PLAIN_TAGS and node.tag != "tag:yaml.org,2002:timestamp":
        problems.append(Problem(name, lines[loc], field_name(loc), f"YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} "
                                "is not allowed (rule: plain YAML: strings, numbers, booleans, lists, mappings)"))
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                problems.append(Problem(name, line, field_name((*loc, str(key))),
                                        f"key {key!r} is not a string (rule: keys are strings)"))
                continue
            if key in out:
                problems.append(
                    Problem(name, line, field_name((*loc, key)),
                            f"duplicate key '{key}' (first at line {lines[(*loc, key)]}) (rule: unique keys)")
                )
                continue
            lines[(*loc, key)] = line
            out[key] = _to_python(value_node, (*loc, key), lines, problems, name)
            lines[(*loc, key)] = line
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*loc, i), lines, problems, name) for i, item in enumerate(node.value)]
    value = _scalar(node)
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(name, lines[loc], field_name(loc), f"{node.value!r} is not a finite number "
                                "(rule: finite numbers)"))
        return None
    return value


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode) or node.tag not in PLAIN_TAGS | {"tag:yaml.org,2002:timestamp"}:
        return repr(node.tag)
    try:
        return _SCALAR_LOADER.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError):
        return node.value


_SCALAR_LOADER = yaml.SafeLoader("")


def line_of(lines: dict[Loc, int], loc: Loc) -> int:
    """Line of `loc`, or of its nearest ancestor that has one."""
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc, 1)


def validation_problem(name: str, lines: dict, err: dict, *, schema: str, value_rule: str) -> Problem:
    """One pydantic validation error as a `FILE:LINE: FIELD: message (rule: …)` problem.

    `schema` names the schema in the unknown-field rule; `value_rule` is the rule of the file's value checks."""
    loc = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        msg = f"unknown field (rule: only fields of {schema})"
    elif kind == "missing":
        msg = "required field is missing (rule: required fields)"
    elif kind == "value_error":
        msg = f"{err['msg'].removeprefix('Value error, ')} (rule: {value_rule})"
        if value_rule in err["msg"] and (*loc, value_rule) in lines:
            loc = (*loc, value_rule)
    else:
        got = err.get("input")
        shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
        msg = f"{err['msg']}, got {shown[:60]} (rule: type)"
    return Problem(name, line_of(lines, loc), field_name(loc), msg)
