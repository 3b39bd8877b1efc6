"""The runnable examples in module docstrings stay true."""

import doctest

import pytest

import msevidence
import msevidence.data.confirm
import msevidence.judgement.verdict
import msevidence.models.survival.batched


@pytest.mark.parametrize("module", [msevidence, msevidence.data.confirm, msevidence.judgement.verdict,
                                    msevidence.models.survival.batched], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
