"""wiretap: solvers and teaching utilities for physical-layer security.

The companion library of the wiretap-book. Shared modules:

* :mod:`wiretap.units` - dB, dBm, watts, bits and nats.
* :mod:`wiretap.channels` - path loss, ULA steering vectors, Rayleigh/Rician fading, geometry.
* :mod:`wiretap.rates` - log-det and SINR rates, secrecy rates, MISO secrecy capacity.
* :mod:`wiretap.convex` - solving cvxpy problems with Clarabel; honest status reports.
* :mod:`wiretap.results` - the common fields of solver results.
* :mod:`wiretap.sim` - reproducible Monte Carlo over parameter grids; quick/paper scale.
* :mod:`wiretap.plotting` - the house figure style.
* :mod:`wiretap.widgets` - explorers (live widgets, static figure in the HTML book).
* :mod:`wiretap.repro` - paper-versus-ours tables.

Each paper has its own module, named after the system it studies.
"""

import importlib

__version__ = "0.1.0"

# Submodules load on first use (PEP 562), so that ``import wiretap`` does not pay for cvxpy and
# matplotlib: ``wiretap.convex`` or ``from wiretap import convex`` imports it then.
_SUBMODULES = (
    "admm",
    "assignments",
    "channels",
    "convex",
    "fisher",
    "games",
    "grading",
    "lemmas",
    "mirror",
    "plotting",
    "rates",
    "repro",
    "results",
    "sca",
    "sdr",
    "sim",
    "teaching",
    "units",
    "widgets",
    "wmmse",
    "aauc",
    "isac",
    "mimo_ic",
    "smallcell",
)

__all__ = [
    "__version__",
    "channels",
    "convex",
    "plotting",
    "rates",
    "repro",
    "results",
    "sim",
    "units",
    "widgets",
]


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
