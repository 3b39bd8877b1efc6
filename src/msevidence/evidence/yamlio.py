"""Safe YAML reading that remembers the line of every value.

Evidence files are small, hand-written documents. This reader refuses what they never need and what could hurt:
files over :data:`MAX_BYTES`, anchors and aliases (no "billion laughs"), duplicate keys, non-string keys.
Every problem is raised as :class:`EvidenceFileError` with a line number, never as a YAML traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from msevidence.errors import EvidenceFileError

MAX_BYTES = 2_000_000
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


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # noqa: D102 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.MarkedYAMLError(
                problem="anchors and aliases (*name) are not allowed in evidence files", problem_mark=mark
            )
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(
                problem="anchors (&name) are not allowed in evidence files", problem_mark=event.start_mark
            )
        return super().compose_node(parent, index)


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, dict[Loc, int]]:
    """Parse `path` into plain Python data and a map from field location to 1-based line number."""
    name = display or str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise EvidenceFileError([Problem(name, 0, "(file)", f"cannot read file: {exc.strerror}")]) from None
    if size > MAX_BYTES:
        raise EvidenceFileError(
            [Problem(name, 0, "(file)", f"file is {size / 1e6:.1f} MB; evidence files must be under "
                     f"{MAX_BYTES / 1e6:.0f} MB (rule: file size)")]
        )
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise EvidenceFileError([Problem(name, 0, "(file)", f"cannot read file: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise EvidenceFileError(
            [Problem(name, line, "(file)", f"not UTF-8 text ({exc.reason} at byte {exc.start}) (rule: UTF-8 text)")]
        ) from None
    loader = _NoAliasLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = " ".join(s for s in (exc.context, exc.problem) if s)
        raise EvidenceFileError([Problem(name, line, "(syntax)", f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as exc:
        raise EvidenceFileError([Problem(name, 0, "(syntax)", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
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
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return repr(node.tag)
    return _SCALAR_LOADER.construct_object(node, deep=True)


_SCALAR_LOADER = yaml.SafeLoader("")


def line_of(lines: dict[Loc, int], loc: Loc) -> int:
    """Line of `loc`, or of its nearest ancestor that has one."""
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc, 1)
