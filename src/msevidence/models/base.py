"""What every fitted object shares (lifelines' shape): settings in ``__init__``, ``fit()`` returns self, fitted
attributes end in ``_``, and asking for them before ``fit()`` raises one clear :class:`NotFittedError`."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from msevidence.errors import NotFittedError

T = TypeVar("T")


class Fitter:
    """Base of the fitters: :meth:`_require_fit` guards every fitted attribute."""

    _fitted_attribute: str = "result_"

    @property
    def fitted(self) -> bool:
        return hasattr(self, self._fitted_attribute)

    def _require_fit(self) -> None:
        if not self.fitted:
            raise NotFittedError(self)


def recording_warnings(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, tuple[str, ...]]:
    """Call `fn` and return its result with the messages of the warnings it raised (distinct, in order).

    Estimation warnings (convergence, boundary, Hessian) are recorded on results and shown in reports,
    never silenced.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    messages = [f"{w.category.__name__}: {str(w.message).splitlines()[0]}" for w in caught]
    return out, tuple(dict.fromkeys(messages))
