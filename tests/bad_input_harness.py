"""Generic machinery of the bad-input test: which functions are public, what a bad value is.

:mod:`tests.bad_input_registry` holds one valid call per public function; this module turns
each argument of such a call into bad values (hypothesis strategies chosen by the kind of
the valid value) and checks the error. Nothing here knows about a particular function.
"""

from __future__ import annotations

import importlib
import inspect
import numbers
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

VAR_POSITIONAL = "*"  # prefix of a registry key that is splatted as ``*args``


@dataclass
class Call:
    """One valid call of a public function, and the declared domain of its arguments.

    ``kwargs`` are passed by keyword (a key starting with ``*`` is passed as ``*args``).
    ``allow`` maps an argument to ``{category: reason}``: values of that category are legal
    for that argument (a declared domain, e.g. a dB value may be negative), so they are not
    required to raise.
    """

    kwargs: dict
    allow: dict[str, dict[str, str]] = field(default_factory=dict)

    def invoke(self, fn: Callable, **changes):
        kw = {**self.kwargs, **changes}
        star = [k for k in kw if k.startswith(VAR_POSITIONAL)]
        args = kw.pop(star[0]) if star else ()
        return fn(*args, **kw)


def call(_allow: dict | None = None, **kwargs) -> Call:
    """Shorthand: ``call(x=..., y=...)`` or ``call({"x": {"negative": reason}}, x=...)``."""
    return Call(kwargs, _allow or {})


# ------------------------------------------------------------------------ public functions
def modules(targets: list[str]) -> list[str]:
    """Expand package names to their public submodules (no leading underscore)."""
    out = []
    for name in targets:
        mod = importlib.import_module(name)
        if hasattr(mod, "__path__"):
            out += [
                f"{name}.{info.name}"
                for info in pkgutil.iter_modules(mod.__path__)
                if not info.name.startswith("_")
            ]
        else:
            out.append(name)
    return out


def public_functions(module_name: str) -> dict[str, Callable]:
    """Functions defined in the module and public (its ``__all__``, else no underscore)."""
    mod = importlib.import_module(module_name)
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in vars(mod) if not n.startswith("_")]
    short = module_name.removeprefix("wiretap.")
    return {
        f"{short}.{n}": obj
        for n in names
        if inspect.isfunction(obj := getattr(mod, n, None)) and obj.__module__ == module_name
    }


# ------------------------------------------------------------------------ bad values
class _Wrong:
    """An object of no kind any function expects."""

    def __repr__(self):
        return "<wrong object>"


WRONG_TYPES = st.sampled_from(["abc", {}, _Wrong()])
NONE = st.none()


def _is_numeric(value) -> bool:
    if isinstance(value, bool | str):
        return False
    if isinstance(value, np.ndarray):
        return value.dtype != object and np.issubdtype(value.dtype, np.number)
    if isinstance(value, list | tuple) and value:
        try:
            arr = np.asarray(value)
        except ValueError:
            return False
        return arr.dtype != object and np.issubdtype(arr.dtype, np.number)
    return False


def kind(value) -> str:
    """The kind of a valid argument value, which decides its bad values."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, numbers.Real):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, np.random.Generator):
        return "generator"
    if _is_numeric(value):
        return "array"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, list | tuple):
        return "sequence"
    if callable(value) and not isinstance(value, type):
        return "callable"
    return "object"


def _index(arr: np.ndarray):
    return st.integers(0, max(arr.size - 1, 0)).map(lambda i: np.unravel_index(i, arr.shape))


def _with_entry(arr: np.ndarray, entry):
    def put(idx, val):
        out = arr.astype(np.result_type(arr.dtype, type(val)), copy=True)
        out[idx] = val
        return out

    return st.tuples(_index(arr), entry).map(lambda t: put(*t))


def array_categories(value) -> dict[str, st.SearchStrategy]:
    arr = np.asarray(value)
    cats = {
        "ndim": st.sampled_from([arr[None], arr[..., None]] + ([arr.flat[0]] if arr.ndim else [])),
        "empty": st.just(np.zeros((0,) * max(arr.ndim, 1), dtype=arr.dtype)),
        "nan": _with_entry(arr, st.just(np.nan)),
        "inf": _with_entry(arr, st.just(np.inf)),
        "-inf": _with_entry(arr, st.just(-np.inf)),
        "type": WRONG_TYPES,
        "none": NONE,
    }
    if arr.ndim and arr.shape[0] > 1:
        cats["shape"] = st.integers(1, arr.shape[0] - 1).map(lambda k: arr[:k])
    if not np.iscomplexobj(arr):
        cats["complex"] = st.just(arr + 1j)
        if arr.size and np.all(arr >= 0):
            cats["negative"] = _with_entry(arr, st.floats(-10.0, -1e-3))
    return cats


def categories(value, arg: str = "") -> dict[str, st.SearchStrategy]:
    """Bad values for argument ``arg`` whose valid value is ``value``, by category."""
    k = "varargs" if arg.startswith(VAR_POSITIONAL) else kind(value)
    if k == "array":
        return array_categories(value)
    if k in ("int", "float"):
        cats = {
            "nan": st.just(float("nan")),
            "inf": st.just(float("inf")),
            "-inf": st.just(-float("inf")),
            "type": WRONG_TYPES,
            "none": NONE,
        }
        if value >= 0:
            cats["negative"] = st.integers(-5, -1) if k == "int" else st.floats(-10.0, -1e-3)
        if k == "int":
            cats["bool"] = st.just(True)
            cats["fraction"] = st.floats(0.1, 0.9).map(lambda f: value + f)
        return cats
    if k == "str":
        return {"choice": st.just(f"no-such-{value}"), "type": st.just(3), "none": NONE}
    if k == "generator":
        return {"type": st.sampled_from(["seed", 1.5, {}]), "none": NONE}
    if k == "dict":
        return {"type": st.sampled_from([[1], 3]), "none": NONE}
    if k == "varargs":
        return {"empty": st.just(()), "item": st.just((_Wrong(),) * len(value))}
    if k == "sequence":
        return {
            "empty": st.just(type(value)()),
            "type": st.just(3),
            "none": NONE,
            "item": st.just(type(value)([_Wrong()] * len(value))),
        }
    if k == "callable":
        return {"type": st.sampled_from([3, "abc"]), "none": NONE}
    if k == "bool":
        return {}
    return {"type": WRONG_TYPES, "none": NONE}


ALL_CATEGORIES = frozenset(
    "ndim shape empty nan inf -inf complex negative type none bool fraction choice item *".split()
)
"""Every category name (``*``: any value is legal, the argument is opaque)."""


def names_argument(message: str, name: str) -> bool:
    """Whether ``message`` names ``name`` as a word (so ``p`` is not found in ``power``)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message) is not None


def outcome(fn: Callable, entry: Call, arg: str, bad) -> tuple[str, str]:
    """Call ``fn`` with ``arg`` replaced by ``bad``; classify as clear/unclear/silent."""
    name = arg.lstrip(VAR_POSITIONAL)
    try:
        entry.invoke(fn, **{arg: bad})
    except (ValueError, TypeError) as exc:
        if names_argument(str(exc), name):
            return "clear", ""
        return "unclear", f"{type(exc).__name__}: {exc}"
    except Exception as exc:
        return "unclear", f"{type(exc).__name__}: {exc}"
    return "silent", "returned without error"
