"""Sensing-enhanced secure communication in networked ISAC (Xu et al., 2025).

Base stations first sense the eavesdropper's location, then serve their users with a
leakage constraint that is robust to the location error the sensing leaves. The part of the
book built on this module derives every step; the module holds

* ``wiretap.isac.geometry``: layout, steering vectors (cos convention, paper eq. (9)) and
  channels;
* ``wiretap.isac.sensing``: echo model, FIM/CRB (centralized eq. (27), per-BS eq. (67),
  per-transmitter eq. (92)), BLUE fusion eqs. (69)-(75), ML location estimator;
* ``wiretap.isac.robust``: CSI error bound eq. (17), exact worst cases over CSI balls, the
  S-procedure LMI (51);
* ``wiretap.isac.design``: centralized design (Algorithm 1, BCD), baselines 1 and 2, SDR
  rank-one recovery, design re-checks (result types in ``wiretap.isac.certify``);
* ``wiretap.isac.admm``: decentralized design (Algorithm 2, consensus ADMM with per-BS
  agents);
* ``wiretap.isac.experiments``: the four schemes of Section V on one instance, and their
  summaries for figures.

Everything public is re-exported here, e.g. ``wiretap.isac.centralized_design``.
"""

from .geometry import *  # noqa: F403
from .geometry import __all__ as _g
from .robust import *  # noqa: F403
from .robust import __all__ as _r
from .sensing import *  # noqa: F403
from .sensing import __all__ as _s

__all__ = [*_g, *_s, *_r]
from .design import *  # noqa: F403
from .design import __all__ as _d

__all__ += _d
from .admm import *  # noqa: E402, F403
from .admm import __all__ as _a  # noqa: E402

__all__ += _a
from .experiments import *  # noqa: E402, F403
from .experiments import __all__ as _e  # noqa: E402

__all__ += _e
