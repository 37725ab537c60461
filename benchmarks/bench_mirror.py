"""Cost of the KL proximal step computed safely in the log domain.

The naive step ``x * exp(-step g) / sum(...)`` overflows to ``nan`` for large steps or
gradients; the log-domain step (a softmax of ``log x - step g``) never does. This benchmark
measures what the safety costs per call, for the checked public ``mirror.kl_prox`` (argument
validation plus ``scipy.special.softmax``) and for the unchecked internal step that
``mirror.matrix_game`` uses inside the mirror-prox loop. The Foundations chapter on mirror-prox
cites the ratios.
"""

from __future__ import annotations

import numpy as np

from harness import compare, timed
from wiretap import mirror
from wiretap._bregman import kl_step


def _naive(x, g, step):
    e = x * np.exp(-step * g)
    return e / e.sum()


def main(quick: bool) -> list[dict]:
    rng = np.random.default_rng(0)
    out = []
    repeat = 200 if quick else 2000
    for n in (16, 4096) if quick else (16, 256, 4096, 65536):
        x, g = rng.dirichlet(np.ones(n)), rng.normal(size=n)
        assert np.allclose(_naive(x, g, 0.5), mirror.kl_prox(x, g, 0.5), rtol=1e-12, atol=0)
        t_naive = timed(lambda x=x, g=g: _naive(x, g, 0.5), repeat=repeat)
        t_checked = timed(lambda x=x, g=g: mirror.kl_prox(x, g, 0.5), repeat=repeat)
        t_fast = timed(lambda x=x, g=g: kl_step(x, g, 0.5), repeat=repeat)
        out.append(
            compare(
                f"KL step, n={n}",
                ("naive exp/normalize", t_naive),
                ("kl_prox (checked, softmax)", t_checked),
            )
        )
        out.append(
            compare(
                f"KL step, n={n}",
                ("naive exp/normalize", t_naive),
                ("log-domain step, unchecked", t_fast),
            )
        )
    return out
