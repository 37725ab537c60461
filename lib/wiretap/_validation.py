"""Argument checks shared by every public function of :mod:`wiretap`.

Each helper raises :class:`ValueError` (or :class:`TypeError` for a wrong kind of object)
with a message that names the offending argument, so that a reader who passes a row vector
where a column was expected learns which argument to fix.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

__all__ = [
    "as_array",
    "as_generator",
    "check_choice",
    "check_int",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "check_range",
]


def as_array(
    x,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: tuple[int | None, ...] | None = None,
    kind: str = "real",
    finite: bool = True,
    match: str | None = None,
) -> np.ndarray:
    """Convert ``x`` to an array and check its dimension, shape and number kind.

    Parameters
    ----------
    x : array_like
        The value to check.
    name : str
        Argument name used in error messages.
    ndim : int or sequence of int, optional
        Allowed number(s) of dimensions.
    shape : tuple, optional
        Required shape; ``None`` entries match any length.
    kind : {"real", "complex", "int"}
        ``"real"`` rejects complex input and returns ``float64``; ``"complex"`` returns
        ``complex128``; ``"int"`` requires integer values and returns ``int64``.
    finite : bool
        Reject NaN and infinite entries.
    match : str, optional
        What ``shape`` is taken from (e.g. ``"the columns of H"``); named in the shape error,
        so that a mismatch names both arguments involved.

    Returns
    -------
    ndarray
        A new array (or a view) of the requested kind.

    Raises
    ------
    ValueError
        If any check fails.
    TypeError
        If ``x`` cannot be converted to a numeric array.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy raises many kinds
        raise TypeError(f"{name} must be array-like, got {type(x).__name__}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if kind == "real":
        if np.iscomplexobj(arr):
            raise ValueError(f"{name} must be real-valued, got complex dtype {arr.dtype}")
        arr = arr.astype(np.float64, copy=False)
    elif kind == "complex":
        arr = arr.astype(np.complex128, copy=False)
    elif kind == "int":
        if np.iscomplexobj(arr):
            raise ValueError(f"{name} must be integer-valued, got complex dtype {arr.dtype}")
        if not np.issubdtype(arr.dtype, np.integer):
            if not np.all(np.isfinite(arr)) or not np.all(np.equal(np.mod(arr, 1), 0)):
                raise ValueError(f"{name} must be integer-valued")
        arr = arr.astype(np.int64, copy=False)
    else:
        raise ValueError(f"kind must be 'real', 'complex' or 'int', got {kind!r}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(
                f"{name} must have {' or '.join(map(str, allowed))} dimension(s), "
                f"got shape {arr.shape}"
            )
    if shape is not None:
        if arr.ndim != len(shape) or any(
            s is not None and s != a for s, a in zip(shape, arr.shape, strict=False)
        ):
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            to = f" to match {match}" if match else ""
            raise ValueError(f"{name} must have shape {want}{to}, got {arr.shape}")
    if finite and arr.size and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def check_positive(x, name: str) -> np.ndarray:
    """Return ``x`` as a float array after checking that every entry is > 0."""
    arr = as_array(x, name)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0, got {_show(arr)}")
    return arr


def check_nonnegative(x, name: str) -> np.ndarray:
    """Return ``x`` as a float array after checking that every entry is >= 0."""
    arr = as_array(x, name)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got {_show(arr)}")
    return arr


def check_probability(x, name: str) -> np.ndarray:
    """Return ``x`` as a float array after checking that every entry is in [0, 1]."""
    return check_range(x, name, 0.0, 1.0)


def check_range(
    x,
    name: str,
    low: float = -np.inf,
    high: float = np.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> np.ndarray:
    """Return ``x`` as a float array after checking ``low <= x <= high`` entrywise.

    ``low_open``/``high_open`` make the corresponding end of the interval strict.
    """
    arr = as_array(x, name)
    bad_low = arr <= low if low_open else arr < low
    bad_high = arr >= high if high_open else arr > high
    if np.any(bad_low) or np.any(bad_high):
        lb = "(" if low_open else "["
        hb = ")" if high_open else "]"
        raise ValueError(f"{name} must lie in {lb}{low}, {high}{hb}, got {_show(arr)}")
    return arr


def check_int(x, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``x`` as a Python int after checking its type and bounds."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {x!r}")
    x = int(x)
    if minimum is not None and x < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {x}")
    if maximum is not None and x > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {x}")
    return x


def check_choice(x, name: str, choices: Sequence) -> object:
    """Return ``x`` after checking that it is one of ``choices``."""
    if x not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {x!r}")
    return x


def check_flag(x, name: str, *, optional: bool = False) -> bool | None:
    """A bool (or, with ``optional``, None); anything else is a TypeError naming ``name``."""
    if x is None and optional:
        return None
    if not isinstance(x, (bool, np.bool_)):
        kind = "a bool or None" if optional else "a bool"
        raise TypeError(f"{name} must be {kind}, got {type(x).__name__}")
    return bool(x)


def as_generator(rng, name: str = "rng") -> np.random.Generator:
    """Return a :class:`numpy.random.Generator`.

    Accepts a Generator (returned unchanged) or a non-negative integer seed. ``None`` and
    the legacy ``RandomState`` are rejected: every random draw in :mod:`wiretap` must be
    reproducible from an explicit seed.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"{name} must be a numpy.random.Generator or a non-negative integer seed, "
        f"got {type(rng).__name__}"
    )


def _show(arr: np.ndarray) -> str:
    if arr.size == 1:
        return repr(arr.item())
    return f"an array with min {arr.min():.4g} and max {arr.max():.4g}"
