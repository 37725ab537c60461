"""The documented home of names re-exported from internal modules (internal).

A public module such as :mod:`wiretap.sca` re-exports classes and functions defined in an
internal module (``wiretap._surrogates``). ``help()`` and reprs show an object's
``__module__``, the bad-input registry finds a module's public functions by it, and pickle
(the grid workers) looks a class up under that name. So the public module
calls :func:`adopt` on its own namespace once its ``__all__`` is set, and every name it
exports from an internal module then says that it lives there.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["adopt", "is_internal"]


def is_internal(module: str) -> bool:
    """True for a module path with a private part (``wiretap.isac._ball``), False otherwise."""
    return any(part.startswith("_") for part in module.split(".")[1:])


def adopt(namespace: Mapping[str, object]) -> tuple[str, ...]:
    """Make the calling module the home of the names of its ``__all__`` defined internally.

    Parameters
    ----------
    namespace : mapping
        The public module's ``globals()`` (with ``__name__`` and ``__all__``).

    Returns
    -------
    tuple of str
        The names whose ``__module__`` was changed (those already homed in a public module,
        e.g. a name re-exported by two public modules, are left alone).

    Raises
    ------
    ValueError
        If ``namespace`` has no ``__all__``, or a name of ``__all__`` is missing from it.
    """
    module = namespace.get("__name__")
    names = namespace.get("__all__")
    if not isinstance(module, str) or names is None:
        raise ValueError("namespace must be a module's globals() with __name__ and __all__")
    adopted = []
    for name in names:
        if name not in namespace:
            raise ValueError(f"{module}.__all__ lists {name!r}, which the module does not define")
        obj = namespace[name]
        home = getattr(obj, "__module__", None)
        if isinstance(home, str) and home.startswith("wiretap.") and is_internal(home):
            obj.__module__ = module
            adopted.append(name)
    return tuple(adopted)
