"""Monte Carlo runner: trials x parameter grid, reproducible and optionally parallel.

Every simulation in the book is a function ``fn(rng, **params)`` that draws one random
instance with ``rng``, solves it, and returns a number (or a dict of numbers). The runner
evaluates it for every point of a parameter grid and every trial.

Random streams
--------------
The runner draws one 63-bit root entropy from the ``rng`` it is given and derives an
independent :class:`numpy.random.SeedSequence` for every task from it, so that results do
not depend on the number of workers or on the order in which tasks finish. With
``common_random_numbers=True`` (default) trial ``t`` uses the same stream at every grid
point: the same channel draws are reused across the x axis of a figure, which makes curves
smooth and differences between grid points meaningful with fewer trials.

Scale
-----
Chapters run at two scales: ``"quick"`` for ``make test`` and interactive reading, and
``"paper"`` for ``make book`` (the papers' own grids and Monte Carlo counts). The scale
is read from the environment variable ``WIRETAP_SCALE``; :func:`pick` chooses a value.

Parallel execution
------------------
``n_jobs`` and ``backend`` are handed to :class:`joblib.Parallel` (``"loky"`` processes or
``"threading"``). ``backend="dask"`` sends every task to a ``dask.distributed`` cluster
instead: the scheduler at ``scheduler=`` (or the environment variable
``WIRETAP_DASK_SCHEDULER``, e.g. ``tcp://10.0.0.5:8786``), or the client already active in
the session (for example one made from a ``LocalCluster``). The environment variable
``WIRETAP_BACKEND`` sets the backend of every sweep that does not name one, so a chapter's
sweeps move to a cluster without editing the chapter. Each task carries its own seed, so the
numbers are bit for bit those of a serial run, whatever the backend and the number of workers.

Progress
--------
``progress=None`` (default) shows a progress bar (tqdm) in an interactive session and stays
silent in builds and tests (the Makefile sets ``WIRETAP_BUILD``); ``WIRETAP_PROGRESS=0`` or
``1`` overrides the automatic choice.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import as_generator, check_flag, check_int

__all__ = ["BACKENDS", "SCALES", "GridResult", "pick", "progress", "run_grid", "scale"]

SCALES: tuple[str, ...] = ("quick", "paper")
"""Valid values of the ``WIRETAP_SCALE`` environment variable."""

BACKENDS: tuple[str, ...] = ("serial", "loky", "threading", "dask")
"""Valid values of the ``WIRETAP_BACKEND`` environment variable (and of ``backend``)."""


def scale() -> str:
    """The scale chapters run at: ``"quick"`` (default) or ``"paper"``.

    Read from the environment variable ``WIRETAP_SCALE``.

    Raises
    ------
    ValueError
        If ``WIRETAP_SCALE`` is set to anything else.
    """
    value = os.environ.get("WIRETAP_SCALE", "quick").strip().lower() or "quick"
    if value not in SCALES:
        raise ValueError(f"WIRETAP_SCALE must be one of {list(SCALES)}, got {value!r}")
    return value


def pick(*, quick, paper):
    """Return ``quick`` or ``paper`` according to :func:`scale`.

    Examples
    --------
    >>> trials = pick(quick=20, paper=1000)
    """
    return paper if scale() == "paper" else quick


@dataclass(frozen=True)
class GridResult:
    """Outcome of :func:`run_grid`.

    Attributes
    ----------
    grid : dict of str to ndarray
        Grid axes in the order given, each a 1-D array of parameter values.
    data : dict of str to ndarray
        For every output name, an array of shape ``grid_shape + (trials,) + value_shape``.
    trials : int
        Monte Carlo trials per grid point.
    entropy : int
        Root entropy of the random streams (log it to reproduce a run).
    elapsed : float
        Wall-clock time of the run in seconds.
    n_jobs : int
        Number of workers used.
    """

    grid: dict[str, np.ndarray]
    data: dict[str, np.ndarray]
    trials: int
    entropy: int
    elapsed: float
    n_jobs: int = 1

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the parameter grid."""
        return tuple(len(v) for v in self.grid.values())

    def _get(self, name: str) -> np.ndarray:
        if name not in self.data:
            raise ValueError(f"name must be one of {sorted(self.data)}, got {name!r}")
        return self.data[name]

    def mean(self, name: str = "value") -> np.ndarray:
        """Mean over trials of output ``name``; shape ``grid_shape + value_shape``."""
        return self._get(name).mean(axis=len(self.grid))

    def sem(self, name: str = "value") -> np.ndarray:
        """Standard error of the mean over trials (0 when ``trials == 1``)."""
        x = self._get(name)
        if self.trials < 2:
            return np.zeros_like(self.mean(name))
        return x.std(axis=len(self.grid), ddof=1) / np.sqrt(self.trials)


def _task_seed(entropy: int, point: int, trial: int, common: bool) -> np.random.SeedSequence:
    key = (trial,) if common else (point, trial)
    return np.random.SeedSequence(entropy, spawn_key=key)


def _run_one(fn: Callable, params: dict, seed: np.random.SeedSequence):
    out = fn(np.random.default_rng(seed), **params)
    if isinstance(out, Mapping):
        return {str(k): np.asarray(v) for k, v in out.items()}
    return {"value": np.asarray(out)}


def run_grid(
    fn: Callable,
    grid: Mapping[str, Sequence] | None,
    trials: int,
    rng,
    *,
    common_random_numbers: bool = True,
    n_jobs: int = 1,
    backend: str | None = None,
    progress: bool | None = None,
    scheduler: str | None = None,
) -> GridResult:
    """Evaluate ``fn(rng, **params)`` for every grid point and trial.

    Parameters
    ----------
    fn : callable
        ``fn(rng, **params) -> float | ndarray | Mapping[str, float | ndarray]``. It must use
        only the ``rng`` it receives for randomness. Each output must have the same shape
        in every call.
    grid : mapping of str to sequence, or None
        Parameter axes, e.g. ``{"power_db": [0, 10, 20], "rho": [0.1, 0.5]}``. ``None`` or
        ``{}`` runs a single point with no parameters.
    trials : int
        Monte Carlo trials per grid point (>= 1).
    rng : numpy.random.Generator or int
        Source of the root entropy.
    common_random_numbers : bool
        Reuse trial ``t``'s random stream at every grid point (default) or give each
        (point, trial) pair its own stream.
    n_jobs : int
        Worker count for :class:`joblib.Parallel` (1 runs in-process, -1 uses all cores).
    backend : str, optional
        One of :data:`BACKENDS`: ``"serial"`` (in-process), ``"loky"`` or ``"threading"``
        (joblib, ``n_jobs`` workers), or ``"dask"`` (a ``dask.distributed`` cluster, see
        ``scheduler``). Default: the environment variable ``WIRETAP_BACKEND``, else serial
        when ``n_jobs == 1`` and loky otherwise.
    progress : bool, optional
        Show a progress bar (tqdm). Default: on in an interactive session, off when
        ``WIRETAP_BUILD`` is set (builds and tests); ``WIRETAP_PROGRESS`` overrides.
    scheduler : str, optional
        Address of a Dask scheduler (``backend="dask"`` only). Default: the environment
        variable ``WIRETAP_DASK_SCHEDULER``, else the active ``distributed`` client.

    Returns
    -------
    GridResult

    Raises
    ------
    ValueError
        For an empty grid axis, a non-callable ``fn``, ``trials < 1``, an unknown
        ``backend``, a ``scheduler`` without the Dask backend, ``backend="dask"`` with no
        scheduler and no active client, or outputs whose names or shapes change between calls.

    Examples
    --------
    >>> import numpy as np
    >>> res = run_grid(lambda rng, mu: rng.normal(mu), {"mu": [0.0, 1.0]}, 200, rng=1)
    >>> res.mean().shape
    (2,)
    """
    if not callable(fn):
        raise ValueError(f"fn must be callable, got {type(fn).__name__}")
    trials = check_int(trials, "trials", minimum=1)
    n_jobs = check_int(n_jobs, "n_jobs")
    if n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be >= 1 or -1, got {n_jobs}")
    backend = _choose_backend(backend, n_jobs, scheduler)
    progress = _show_progress(progress)
    gen = as_generator(rng)
    if grid is not None and not isinstance(grid, Mapping):
        raise TypeError(f"grid must be a mapping of names to values or None, got {grid!r}")
    axes: dict[str, np.ndarray] = {}
    for name, values in (grid or {}).items():
        arr = np.asarray(values)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"grid[{name!r}] must be a non-empty 1-D sequence")
        axes[str(name)] = arr
    shape = tuple(len(v) for v in axes.values())
    points = [
        {k: axes[k][i].item() for k, i in zip(axes, idx, strict=True)}
        for idx in itertools.product(*(range(n) for n in shape))
    ]
    entropy = int(gen.integers(2**63))
    tasks = [
        (p, t, _task_seed(entropy, p, t, common_random_numbers))
        for p in range(len(points))
        for t in range(trials)
    ]
    t0 = time.perf_counter()
    if backend == "serial":
        it = (_run_one(fn, points[p], s) for p, _, s in tasks)
        outputs = list(_progress(it, len(tasks), progress))
    elif backend == "dask":
        outputs = _run_dask(fn, [(points[p], s) for p, _, s in tasks], scheduler, progress)
    else:
        from joblib import Parallel, delayed

        par = Parallel(n_jobs=n_jobs, backend=backend, return_as="generator")
        it = par(delayed(_run_one)(fn, points[p], s) for p, _, s in tasks)
        outputs = list(_progress(it, len(tasks), progress))
    elapsed = time.perf_counter() - t0
    names = tuple(outputs[0])
    data: dict[str, np.ndarray] = {}
    for name in names:
        vals = []
        for o in outputs:
            if tuple(o) != names:
                raise ValueError(f"fn returned outputs {tuple(o)} after {names}")
            vals.append(o[name])
        vshape = {v.shape for v in vals}
        if len(vshape) != 1:
            raise ValueError(f"output {name!r} changed shape between calls: {sorted(vshape)}")
        stacked = np.stack(vals)
        data[name] = stacked.reshape((*shape, trials, *stacked.shape[1:]))
    return GridResult(
        grid=axes,
        data=data,
        trials=trials,
        entropy=entropy,
        elapsed=elapsed,
        n_jobs=n_jobs,
    )


def _choose_backend(backend: str | None, n_jobs: int, scheduler: str | None) -> str:
    if backend is None:
        backend = os.environ.get("WIRETAP_BACKEND", "").strip().lower() or None
        where = "WIRETAP_BACKEND"
    else:
        where = "backend"
    if backend is None:
        backend = "serial" if n_jobs == 1 else "loky"
    if backend not in BACKENDS:
        raise ValueError(f"{where} must be one of {list(BACKENDS)}, got {backend!r}")
    if scheduler is not None and backend != "dask":
        raise ValueError(f"scheduler is only used with backend='dask', got backend={backend!r}")
    return backend


def _show_progress(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    forced = os.environ.get("WIRETAP_PROGRESS", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    return not os.environ.get("WIRETAP_BUILD")


def _run_dask(fn: Callable, jobs: list, scheduler: str | None, progress: bool) -> list:
    """Run ``_run_one`` for every (params, seed) on a ``dask.distributed`` cluster, in order."""
    try:
        from distributed import Client, as_completed, get_client
    except ImportError as err:  # pragma: no cover - distributed is in the pinned stack
        raise ValueError("backend='dask' needs the 'distributed' package") from err
    address = scheduler or os.environ.get("WIRETAP_DASK_SCHEDULER") or None
    own = None
    if address is not None:
        client = own = Client(address)
    else:
        try:
            client = get_client()
        except ValueError as err:
            raise ValueError(
                "backend='dask' needs a scheduler address (scheduler= or "
                "WIRETAP_DASK_SCHEDULER) or an active distributed.Client"
            ) from err
    try:
        futures = [client.submit(_run_one, fn, params, seed, pure=False) for params, seed in jobs]
        for _ in _progress(as_completed(futures), len(futures), progress):
            pass
        return client.gather(futures)
    finally:
        if own is not None:
            own.close()


def _progress(iterable, total: int | None, show: bool, desc: str | None = None):
    if not show:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc)


def progress(iterable, *, total: int | None = None, show: bool | None = None, desc: str = ""):
    """Wrap ``iterable`` in a progress bar (tqdm) when a reader is watching.

    The rule of :func:`run_grid`: ``show=None`` shows the bar in an interactive session and
    nothing in builds and tests (``WIRETAP_BUILD`` is set there); ``WIRETAP_PROGRESS=0`` or
    ``1`` overrides the automatic choice. Drivers with long loops of their own (for example
    :func:`wiretap.smallcell.experiments.simulate`) take a ``progress`` argument and pass it here.

    Parameters
    ----------
    iterable : iterable
        What the loop runs over; returned unchanged when no bar is shown.
    total : int, optional
        Length, when ``iterable`` has none.
    show : bool, optional
        Force the bar on or off.
    desc : str
        Label in front of the bar.

    Examples
    --------
    >>> list(progress(range(3), show=False))
    [0, 1, 2]
    """
    show = check_flag(show, "show", optional=True)
    if not isinstance(desc, str):
        raise TypeError(f"desc must be a string, got {type(desc).__name__}")
    if total is not None:
        total = check_int(total, "total", minimum=0)
    return _progress(iterable, total, _show_progress(show), desc or None)
