"""Distributed robust artificial-noise precoding for wiretap MIMO interference channels.

The solvers of the book part on Kong et al. (``kong2024mimoic``): ``K`` transmitter-receiver
pairs send confidential data with artificial noise (AN) while a multi-antenna eavesdropper
listens; every pair designs its precoders from imperfect channel estimates, exchanging only
interference prices with the other pairs.

Modules
-------
* :mod:`~wiretap.mimo_ic.model` - scenario, channel and error draws, rates, prices, gradients.
* :mod:`~wiretap.mimo_ic.wmmse_steps` - closed-form WMMSE blocks (the non-robust case).
* :mod:`~wiretap.mimo_ic.robust` - worst cases over the error balls, the LMIs and the compiled
  robust block subproblems.
* :mod:`~wiretap.mimo_ic.adp` - the distributed pricing algorithm with pair agents.
* :mod:`~wiretap.mimo_ic.mtmse` - the MT-MSE baseline.
* :mod:`~wiretap.mimo_ic.reference` - centralized gradient ascent (a reference, not the paper's).
* :mod:`~wiretap.mimo_ic.experiments` - Monte Carlo trials for the simulation chapter.

Internal modules (underscore names) hold pieces whose public home is one of the above:
``_scenario`` (:class:`~wiretap.mimo_ic.model.Scenario`, :class:`~wiretap.mimo_ic.model.Network`),
``_subproblems`` (the compiled subproblems of :mod:`~wiretap.mimo_ic.robust`), ``_agents``
(:class:`~wiretap.mimo_ic.adp.PairAgent`), ``_robust_core``, ``_kernels`` and ``_checks``.

All rates are in nats unless a function says bits; channels are normalized so that every
receiver's noise is ``CN(0, I)``.
"""

from . import adp, experiments, model, mtmse, reference, robust, wmmse_steps
from .adp import *  # noqa: F403
from .experiments import *  # noqa: F403
from .model import *  # noqa: F403
from .mtmse import *  # noqa: F403
from .reference import *  # noqa: F403
from .robust import *  # noqa: F403
from .wmmse_steps import *  # noqa: F403

__all__ = [
    *adp.__all__,
    *experiments.__all__,
    *model.__all__,
    *mtmse.__all__,
    *reference.__all__,
    *robust.__all__,
    *wmmse_steps.__all__,
]
