"""A bounded cache of compiled cvxpy problems (internal).

Compiling a cvxpy problem costs far more than re-solving it with new Parameter values, so the
solvers keep their compiled problems keyed by size. Every such cache in the library is a
:class:`CompiledCache`: bounded (least recently used entries are dropped), clearable, and
built on demand by the caller's ``build`` function.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["CompiledCache"]


class CompiledCache:
    """Least-recently-used cache of compiled problems.

    Parameters
    ----------
    maxsize : int
        Entries kept at most (>= 1); the least recently used is dropped beyond it.
    """

    def __init__(self, maxsize: int = 32) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise ValueError(f"maxsize must be an integer >= 1, got {maxsize!r}")
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Any], *, rebuild: bool = False) -> Any:
        """The entry for ``key``, built with ``build()`` if absent (or always, if ``rebuild``).

        A rebuilt entry is returned without being stored, so that a caller asking for a fresh
        problem does not evict the shared ones.
        """
        if rebuild:
            return build()
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = build()
        self._items[key] = value
        if len(self._items) > self.maxsize:
            self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every entry."""
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items
