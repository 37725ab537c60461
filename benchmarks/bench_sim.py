"""Monte Carlo runner: serial vs two worker processes on a CPU-bound trial."""

from __future__ import annotations

import numpy as np

from harness import compare, timed
from wiretap import sim


def _trial(rng, n):
    A = rng.standard_normal((n, n))
    return float(np.linalg.eigvalsh(A + A.T)[-1])


def main(quick: bool) -> list[dict]:
    n, trials = (60, 40) if quick else (200, 200)
    grid = {"n": [n]}
    serial = timed(lambda: sim.run_grid(_trial, grid, trials, rng=0), repeat=3)
    parallel = timed(lambda: sim.run_grid(_trial, grid, trials, rng=0, n_jobs=2), repeat=3)
    return [
        compare(
            "run_grid, eigenvalue trials",
            ("n_jobs=1", serial),
            ("n_jobs=2", parallel),
            trials=trials,
            n=n,
        )
    ]
