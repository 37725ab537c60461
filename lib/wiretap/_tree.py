"""Iterates that are arrays or tuples/lists of arrays (internal; shared by sca and mirror)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "is_array_tree",
    "tree_copy",
    "tree_dist",
    "tree_leaves",
    "tree_map",
    "tree_sqnorm",
]


def tree_map(fn: Callable, *trees):
    first = trees[0]
    if isinstance(first, (tuple, list)):
        return type(first)(tree_map(fn, *parts) for parts in zip(*trees, strict=True))
    return fn(*trees)


def tree_leaves(tree) -> list:
    if isinstance(tree, (tuple, list)):
        out = []
        for part in tree:
            out.extend(tree_leaves(part))
        return out
    return [tree]


def tree_sqnorm(tree) -> float:
    return float(sum(np.sum(np.abs(np.asarray(leaf)) ** 2) for leaf in tree_leaves(tree)))


def tree_dist(a, b) -> float:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return float(np.linalg.norm(a - b))
    if isinstance(a, tuple) and all(isinstance(u, np.ndarray) for u in a + tuple(b)):
        return float(np.sqrt(sum(np.linalg.norm(u - v) ** 2 for u, v in zip(a, b, strict=True))))
    return float(np.sqrt(tree_sqnorm(tree_map(lambda u, v: np.asarray(u) - np.asarray(v), a, b))))


def tree_copy(tree):
    return tree_map(lambda leaf: np.array(leaf, copy=True), tree)


def is_array_tree(tree) -> bool:
    try:
        leaves = tree_leaves(tree)
    except TypeError:  # pragma: no cover - exotic containers
        return False
    return all(
        isinstance(leaf, (np.ndarray, float, int, complex, np.number))
        and not isinstance(leaf, bool)
        for leaf in leaves
    )
