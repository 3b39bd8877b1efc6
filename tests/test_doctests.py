"""The runnable examples in every module's docstrings stay true (each module with a `>>>` is run)."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path

import pytest

import msevidence

# Examples that stay illustrative, with the reason: they render every report, run thousands of trials or need
# the user's own digitized files. Everywhere else an example must run.
MAY_SKIP = {"msevidence.reports": "renders a whole report set",
            "msevidence.designs": "simulates thousands of trials",
            "msevidence.reconstruct.reconstruction": "needs digitized files"}


def _modules_with_examples() -> list[str]:
    names = ["msevidence"]
    for m in pkgutil.walk_packages(msevidence.__path__, "msevidence."):
        if ">>>" in Path(importlib.util.find_spec(m.name).origin).read_text(encoding="utf-8"):
            names.append(m.name)
    return names


MODULES = _modules_with_examples()


def test_the_modules_with_examples_are_found():
    assert {"msevidence", "msevidence.data.confirm", "msevidence.models.survival.km",
            "msevidence.models.survival.cox", "msevidence.synthetic"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    source = Path(module.__file__).read_text(encoding="utf-8")
    if name not in MAY_SKIP:
        assert not re.search(r"doctest:\s*\+SKIP", source), f"{name}: an example is skipped; make it run"
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, report=False)
    assert result.failed == 0
    assert result.attempted > 0 or name in MAY_SKIP
