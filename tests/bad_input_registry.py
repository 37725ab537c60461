"""One valid call of every public function of the covered modules (issue 14).

``COVERED`` lists, per part of the library, the modules whose public functions the bad-input
test drives; ``PENDING`` lists parts not yet brought to 100 % (add a part to ``COVERED``
together with its registry entries). ``REGISTRY`` maps ``"module.function"`` (without the
``wiretap.`` prefix) to a builder ``rng -> Call``: small, fast, valid arguments drawn from
the seeded generator. ``Call.allow`` declares, per argument, the bad-looking values that are
legal, each with its reason.
"""

from __future__ import annotations

from functools import cache

import cvxpy as cp
import numpy as np
from bad_input_harness import call

from wiretap import aauc, mirror
from wiretap import mimo_ic as mic
from wiretap import smallcell as sc
from wiretap.results import Certificate

COVERED = {
    "shared": [
        f"wiretap.{m}"
        for m in (
            "units channels rates convex results sim lemmas wmmse sca mirror games fisher admm sdr"
        ).split()
    ],
    "aauc": ["wiretap.aauc"],
    "smallcell": ["wiretap.smallcell"],
    "mimo_ic": ["wiretap.mimo_ic"],
    "isac": ["wiretap.isac"],
    "presentation": ["wiretap.plotting", "wiretap.widgets", "wiretap.repro"],
}
PENDING = {}

# ------------------------------------------------------------------ reasons, reused
SIGNED = "a signed quantity: any real value is legal"
ANY_SHAPE = "elementwise: any shape is legal"
EMPTY_OK = "an empty input gives an empty output"
COMPLEX_OK = "complex input is legal"
NONE_OK = "None selects the default"
SCALAR_OK = "a scalar is broadcast"
ANY = {"*": "opaque to the function: passed through unchanged"}
MISSING = {
    "nan": "NaN marks a missing run (excluded from the mean)",
    "inf": "non-finite entries are excluded from the mean",
    "-inf": "non-finite entries are excluded from the mean",
    "negative": SIGNED,
    "ndim": "any grid shape",
    "shape": "any number of runs",
    "empty": "no runs: NaN mean, n = 0",
}
SIGNED_MATRIX = {"negative": "matrix entries are signed"}
SHAPE = {"ndim": "any array shape", "shape": "any array shape", "empty": "shape () is legal"}


def elementwise(**extra):
    """Domain of an elementwise array argument: any shape, empty allowed."""
    return {"ndim": ANY_SHAPE, "shape": ANY_SHAPE, "empty": EMPTY_OK, **extra}


def cplx(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def hpd(rng, n):
    a = cplx(rng, n, n)
    return a @ a.conj().T + n * np.eye(n)


def spd(rng, n):
    a = rng.standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


def box(v):
    return np.clip(v, 0.0, 1.0)


# ------------------------------------------------------------------ shared objects (cached)
@cache
def scenario():
    p = aauc.SystemParams.from_db(n_antennas=6, n_users=3, k_factor_db=30.0)
    return aauc.draw_scenario(p, rng=0)


@cache
def ring_scenario():
    p = aauc.SystemParams.from_db(n_antennas=6, n_users=3, k_factor_db=70.0)
    return aauc.draw_scenario(p, rng=1, layout="ring", distance=30.0)


@cache
def problem():
    return aauc.AAUCProblem.from_scenario(scenario())


@cache
def irs_problem():
    return aauc.IRSProblem.from_scenario(ring_scenario())


@cache
def start():
    return aauc.p6(problem())


@cache
def p5():
    R, t, c = aauc.p5_data(problem(), start().z)
    return R, t, c, 2 * problem().p_max


@cache
def net():
    return sc.generate_network(np.random.default_rng(0), n_sbs=3, n_channels=2)


@cache
def sim_data():
    out = sc.experiments.simulate(
        np.random.default_rng(0), trials=2, n_sbs=2, n_channels=2, vi_starts=1
    )
    return {k: np.asarray(v)[None] for k, v in out.items()}  # grid_shape + (R, T)


@cache
def vi_result():
    return sc.vi_equilibrium(net())


def p_net(rng):
    cap = np.minimum(net().p_mask, net().p_max / net().n_channels)[:, None]
    return cap * rng.uniform(size=net().shape)


def _cp_problem():
    x = cp.Variable()
    return cp.Problem(cp.Minimize(cp.square(x - 1)))


def _path_call(r):
    return call(
        {"distance": elementwise()},
        distance=np.array([10.0, 20.0]),
        exponent=3.0,
        ref_loss_db=30.0,
        ref_distance=1.0,
    )


def _ula_call(r):
    return call(
        {"angle": elementwise(negative=SIGNED)},
        n=4,
        angle=np.array([0.1, 0.3]),
        spacing=0.5,
        convention="sin",
    )


# ------------------------------------------------------------------ the registry
def _units():
    x2 = np.array([1.0, 2.0])

    def signed(name):
        return call({name: elementwise(negative=SIGNED)}, **{name: x2})

    def positive(name):
        return call({name: elementwise()}, **{name: x2})

    return {
        "units.bits_to_nats": lambda r: signed("r_bits"),
        "units.nats_to_bits": lambda r: signed("r_nats"),
        "units.db_to_lin": lambda r: signed("x_db"),
        "units.dbm_to_watt": lambda r: signed("p_dbm"),
        "units.dbw_to_watt": lambda r: signed("p_dbw"),
        "units.lin_to_db": lambda r: positive("x"),
        "units.watt_to_dbm": lambda r: positive("p_watt"),
        "units.watt_to_dbw": lambda r: positive("p_watt"),
    }


POINTS = {
    "ndim": "a single point or a batch of points",
    "shape": "any number of points",
    "empty": EMPTY_OK,
    "negative": "coordinates are signed",
}

REGISTRY = {
    **_units(),
    # ---------------------------------------------------------------- channels
    "channels.angle_of_arrival": lambda r: call(
        {"src": POINTS, "dst": POINTS}, src=np.array([0.0, 0.0]), dst=np.array([1.0, 2.0])
    ),
    "channels.distance": lambda r: call(
        {"a": POINTS, "b": POINTS}, a=np.array([0.0, 0.0]), b=np.array([[1.0, 2.0]])
    ),
    "channels.complex_gaussian": lambda r: call({"shape": SHAPE}, shape=(2, 3), rng=r),
    "channels.rayleigh_channel": lambda r: call({"shape": SHAPE}, shape=(2, 3), rng=r),
    "channels.rician_channel": lambda r: call(
        {"los": {"ndim": ANY_SHAPE, "shape": ANY_SHAPE, "empty": EMPTY_OK}},
        los=np.exp(1j * np.arange(3.0)),
        k_factor=2.0,
        rng=r,
    ),
    "channels.path_gain": _path_call,
    "channels.path_loss_db": _path_call,
    "channels.polar_to_cartesian": lambda r: call(
        {
            "radius": elementwise(),
            "angle": elementwise(negative=SIGNED),
            "center": {"negative": SIGNED},
        },
        radius=np.array([1.0, 2.0]),
        angle=np.array([0.1, 0.2]),
        center=(0.0, 0.0),
    ),
    "channels.ula_steering": _ula_call,
    "channels.ula_steering_derivative": _ula_call,
    "channels.uniform_in_disk": lambda r: call(
        {"center": {"negative": SIGNED}},
        n=3,
        radius=2.0,
        rng=r,
        center=(0.0, 0.0),
        min_radius=0.5,
    ),
    # ---------------------------------------------------------------- rates
    "rates.beamforming_sinr": lambda r: call(h=cplx(r, 3), W=cplx(r, 3, 2), noise_power=1.0),
    "rates.log_det_rate": lambda r: call(H=cplx(r, 2, 3), Q=hpd(r, 3), noise=1.0, base=2.0),
    "rates.mimo_secrecy_rate": lambda r: call(
        H=cplx(r, 2, 3), G=cplx(r, 2, 3), Q=hpd(r, 3), noise_b=1.0, noise_e=1.0, base=2.0
    ),
    "rates.miso_secrecy_capacity": lambda r: call(
        h=cplx(r, 3), g=cplx(r, 3), power=2.0, noise_b=1.0, noise_e=1.0, base=2.0
    ),
    "rates.secrecy_rate": lambda r: call(
        {"rate_legitimate": elementwise(), "rate_eavesdropper": elementwise()},
        rate_legitimate=np.array([1.0, 2.0]),
        rate_eavesdropper=np.array([0.5, 3.0]),
    ),
    "rates.sinr_rate": lambda r: call({"sinr": elementwise()}, sinr=np.array([1.0, 2.0]), base=2.0),
    # ---------------------------------------------------------------- convex, results, sim
    "convex.hermitian_residual": lambda r: call(M=hpd(r, 3)),
    "convex.require_dpp": lambda r: call(problem=_cp_problem()),
    "convex.solve": lambda r: call(problem=_cp_problem(), accept=("optimal",)),
    "convex.solve_with_retries": lambda r: call(
        {"retry_on": {"none": NONE_OK}},
        problem=_cp_problem(),
        ladder=({}, {"max_iter": 50}),
        accept=("optimal",),
        report="last",
        retry_on=("solver_error",),
    ),
    "results.as_history": lambda r: call(traces={"objective": [1.0, 2.0]}),
    "results.settle": lambda r: call(
        {"certificate": {"none": "None: nothing could be certified"}},
        rule_met=True,
        certificate=_certificate(),
        otherwise="max_iter",
    ),
    "sim.pick": lambda r: call({"quick": ANY, "paper": ANY}, quick=1, paper=2),
    "sim.scale": lambda r: call(),
    "sim.progress": lambda r: call(
        {
            "iterable": ANY,
            "total": {"none": "None: the iterable's own length"},
            "show": {"none": NONE_OK},
            "desc": {"choice": "a free-text label: any string is legal"},
        },
        iterable=range(3),
        total=3,
        show=False,
        desc="trials",
    ),
    "sim.run_grid": lambda r: call(
        {"grid": {"none": "None: a single grid point"}, "backend": {"none": NONE_OK}},
        fn=lambda rng, a=0.0: a + rng.uniform(),
        grid={"a": [0.0, 1.0]},
        trials=2,
        rng=r,
        n_jobs=1,
        backend="serial",
    ),
    # ---------------------------------------------------------------- lemmas
    "lemmas.schur_complement": lambda r: call(M=spd(r, 3), k=1),
    "lemmas.quadratic_block": lambda r: call(A=spd(r, 2), b=r.standard_normal(2), c=1.0),
    "lemmas.hermitian_block": lambda r: call(
        A=spd(r, 2), B=r.standard_normal((2, 1)), C=np.array([[3.0]])
    ),
    "lemmas.s_lemma_lmi": lambda r: call(F0=spd(r, 3), F1=spd(r, 3), lam=1.0),
    "lemmas.s_procedure_lmi": lambda r: call(F0=spd(r, 3), Fs=[spd(r, 3)], lams=[1.0]),
    "lemmas.ball_lmi": lambda r: call(
        A=spd(r, 2), b=r.standard_normal(2), c=1.0, radius=0.5, lam=1.0
    ),
    "lemmas.norm_bound_lmi": lambda r: call(x=r.standard_normal(2), t=3.0),
    "lemmas.sign_definiteness_lmi": lambda r: call(
        A=spd(r, 2), P=r.standard_normal((1, 2)), Q=r.standard_normal((1, 2)), rho=0.5, lam=1.0
    ),
    "lemmas.min_quadratic_on_ball": lambda r: call(
        A=spd(r, 2), b=r.standard_normal(2), c=1.0, radius=0.5
    ),
    "lemmas.worst_case_sign_definiteness": lambda r: call(
        A=spd(r, 2),
        P=r.standard_normal((1, 2)),
        Q=r.standard_normal((1, 2)),
        rho=0.5,
        rng=r,
        n_starts=2,
        max_iter=20,
        tol=1e-8,
    ),
    # ---------------------------------------------------------------- wmmse
    "wmmse.logdet_variational": lambda r: call(E=hpd(r, 2) / 10, S=hpd(r, 2)),
    "wmmse.mmse_matrix": lambda r: call(H=cplx(r, 2, 3), V=cplx(r, 3, 2), noise_cov=1.0),
    "wmmse.mmse_receiver": lambda r: call(H=cplx(r, 2, 3), V=cplx(r, 3, 2), noise_cov=1.0),
    "wmmse.mse_matrix": lambda r: call(
        H=cplx(r, 2, 3), V=cplx(r, 3, 2), U=cplx(r, 2, 2), noise_cov=1.0
    ),
    "wmmse.sum_rate_stationarity": lambda r: call(
        H=cplx(r, 2, 2, 2, 3), V=cplx(r, 2, 3, 1) / 3, power=1.0, noise=1.0
    ),
    "wmmse.wmmse_sum_rate": lambda r: call(
        H=cplx(r, 2, 2, 2, 3), power=1.0, noise=1.0, streams=1, rng=r, max_iter=3
    ),
    # ---------------------------------------------------------------- sca
    "sca.check_surrogate": lambda r: call(
        f=lambda x: float(x[0] ** 2),
        s=lambda x: float(2 * x[0] - 1),
        x0=np.array([1.0]),
        points=np.array([[0.5], [2.0]]),
    ),
    "sca.logdet_tangent": lambda r: call(X0=hpd(r, 2)),
    "sca.quad_over_lin_minorant": lambda r: call(a=cplx(r, 2), x0=cplx(r, 2), t0=2.0),
    "sca.quadratic_minorant": lambda r: call(a=cplx(r, 2), x0=cplx(r, 2)),
    "sca.sca": lambda r: call(
        step=lambda x: 0.5 * x,
        x0=np.array([1.0]),
        objective=lambda x: -float(x[0] ** 2),
        tol=1e-6,
        max_iter=5,
    ),
    # ---------------------------------------------------------------- mirror
    "mirror.ball_projection": lambda r: call(v=r.standard_normal(3), radius=1.0),
    "mirror.block_prox": lambda r: call(**{"*proxes": (mirror_prox_fn(), mirror_prox_fn())}),
    "mirror.euclidean_prox": lambda r: call(project=box),
    "mirror.kl_divergence": lambda r: call(p=np.array([0.5, 0.5]), q=np.array([0.2, 0.8])),
    "mirror.kl_prox": lambda r: call(x=np.array([0.5, 0.5]), g=r.standard_normal(2), step=0.5),
    "mirror.kl_prox_log": lambda r: call(
        {"logx": {"negative": "logarithms are signed"}},
        logx=np.log([0.5, 0.5]),
        g=r.standard_normal(2),
        step=0.5,
    ),
    "mirror.matrix_game": lambda r: call(A=r.standard_normal((2, 3))),
    "mirror.matrix_game_gap": lambda r: call(
        A=r.standard_normal((2, 3)), x=np.array([0.5, 0.5]), y=np.ones(3) / 3
    ),
    "mirror.mirror_prox": lambda r: call(**_mirror_prox_args(r), step=0.3, max_iter=5),
    "mirror.simplex_projection": lambda r: call(v=r.standard_normal(3), total=1.0),
    # ---------------------------------------------------------------- games
    "games.best_response_iteration": lambda r: call(
        best_responses=[lambda x: x[1] / 2 + 1, lambda x: x[0] / 2 + 1],
        x0=[np.zeros(1), np.zeros(1)],
        mode="jacobi",
        tol=1e-8,
        max_iter=5,
        damping=1.0,
    ),
    "games.extragradient": lambda r: call(
        F=lambda v: v - 0.5, project=box, x0=np.zeros(2), step=0.5, tol=1e-8, max_iter=5
    ),
    "games.is_p_matrix": lambda r: call(M=spd(r, 2), tol=0.0),
    "games.is_positive_definite": lambda r: call(M=spd(r, 2), tol=0.0),
    "games.monotonicity_modulus": lambda r: call(
        F=lambda v: 2 * v, xs=r.standard_normal((3, 2)), ys=r.standard_normal((3, 2))
    ),
    "games.natural_residual": lambda r: call(F=lambda v: v - 0.5, x=np.zeros(2), project=box),
    "games.vi_violation": lambda r: call(
        F=lambda v: v - 0.5, x=np.zeros(2), points=r.uniform(size=(3, 2))
    ),
    # ---------------------------------------------------------------- fisher
    "fisher.bearing_gradient": lambda r: call(
        {"target": POINTS, "anchor": POINTS},
        target=np.array([3.0, 4.0]),
        anchor=np.array([0.0, 0.0]),
    ),
    "fisher.range_gradient": lambda r: call(
        {"target": POINTS, "anchor": POINTS},
        target=np.array([3.0, 4.0]),
        anchor=np.array([0.0, 0.0]),
    ),
    "fisher.crb": lambda r: call(J=spd(r, 2), rtol=1e-12),
    "fisher.effective_fim": lambda r: call(J=spd(r, 3), keep=np.array([0, 1])),
    "fisher.fim_gaussian_mean": lambda r: call(
        dmu=cplx(r, 3, 2), cov=hpd(r, 3), observations="complex"
    ),
    "fisher.fim_snapshots": lambda r: call(
        dG=cplx(r, 2, 2, 3), S=hpd(r, 3), noise_var=1.0, n_snapshots=4
    ),
    "fisher.fuse": lambda r: call(
        estimates=r.standard_normal((2, 2)), covariances=np.stack([spd(r, 2), spd(r, 2)])
    ),
    "fisher.reparametrize": lambda r: call(J=spd(r, 2), jac=r.standard_normal((2, 2))),
    "fisher.slepian_bangs": lambda r: call(
        dmu=cplx(r, 3, 2),
        cov=hpd(r, 3),
        dcov=np.stack([hpd(r, 3), hpd(r, 3)]),
        observations="complex",
    ),
    # ---------------------------------------------------------------- admm, sdr
    "admm.consensus_admm": lambda r: call(
        local_updates=[lambda v, rho: (v + 1) / 2, lambda v, rho: (v - 1) / 2],
        z0=np.zeros(2),
        rho=1.0,
        tol=1e-6,
        max_iter=5,
        adapt="none",
    ),
    "sdr.gaussian_randomization": lambda r: call(
        X=hpd(r, 3), score=lambda w: float(np.linalg.norm(w)), rng=r, n_samples=4
    ),
    "sdr.is_rank_one": lambda r: call(X=hpd(r, 3), tol=1e-6, psd_tol=1e-6),
    "sdr.principal_component": lambda r: call(X=hpd(r, 3), psd_tol=1e-6),
    "sdr.rank_reduction": lambda r: call(X=hpd(r, 3), constraints=[np.eye(3)], tol=1e-9),
    # ---------------------------------------------------------------- aauc
    "aauc.angular.angular_matrix": lambda r: call(
        geometry=scenario().geometry, alpha=2.5, ref_gain=1e-4, elevation=0.0, n_nodes=4
    ),
    "aauc.angular.average_secrecy_rate": lambda r: call(
        {"rate": {"ndim": SCALAR_OK}, "noise_power": {"ndim": SCALAR_OK}},
        rate=np.array([1.0]),
        w=cplx(r, 1, 2) * 1e-2,
        noise_power=np.array([1e-11]),
        geometry=scenario().geometry,
        rng=r,
        k_factor=10.0,
        n_samples=8,
        n_nodes=4,
    ),
    "aauc.angular.eve_distance_profile": lambda r: call(
        {"rho": elementwise()}, geometry=scenario().geometry, rho=np.array([10.0, 50.0])
    ),
    "aauc.angular.fit_lambda": lambda r: call(
        exact=np.array([0.5, 1.0, 2.0]),
        rate=np.array([1.0, 2.0, 3.0]),
        wJw=np.array([1e-10, 1e-10, 1e-10]),
        noise_power=np.array([1e-11] * 3),
        grid_size=11,
    ),
    "aauc.angular.model_secrecy_rate": lambda r: call(
        {k: elementwise() for k in ("rate", "wJw", "noise_power", "lam")},
        rate=np.array([1.0, 2.0]),
        wJw=np.array([1e-10, 2e-10]),
        noise_power=np.array([1e-11, 1e-11]),
        lam=0.5,
    ),
    "aauc.baselines.aauc_rates": lambda r: call(scenario=scenario(), v=start().v, w=start().w),
    "aauc.baselines.aauc_secrecy_rate": lambda r: call(
        scenario=scenario(), v=start().v, w=start().w
    ),
    "aauc.baselines.direct_multicast": lambda r: call(
        scenario=scenario(), max_iter=2, tol=1e-3, gap_tol=0.1
    ),
    "aauc.baselines.direct_secrecy_rate": lambda r: call(scenario=scenario(), v=cplx(r, 6) * 0.1),
    "aauc.baselines.irs_secrecy_rate": lambda r: call(
        scenario=ring_scenario(), v=irs_start().v, u=irs_start().u
    ),
    "aauc.experiments.compare_schemes": lambda r: call(
        rng=r,
        n_antennas=4,
        n_users=3,
        k_factor_db=30.0,
        schemes=("closed_form",),
        layout="paper",
    ),
    "aauc.experiments.fit_experiment": lambda r: call(
        geometry=scenario().geometry,
        rng=r,
        noise_dbm=np.array([-80.0]),
        samples_per_level=2,
        n_samples=8,
    ),
    "aauc.irs.irs_sco": lambda r: call(problem=irs_problem(), max_iter=1, tol=1e-3),
    "aauc.large.bfom": lambda r: call(problem=problem(), max_iter=1, max_inner=20),
    "aauc.large.closed_form": lambda r: call(problem=problem()),
    "aauc.large.p6": lambda r: call(problem=problem()),
    "aauc.large.equal_snr_beamformer": lambda r: call(problem=problem(), budget=0.5),
    "aauc.large.euclidean_step": lambda r: call(
        {"y": {"negative": SIGNED}, "g": {"negative": SIGNED}},
        y=r.standard_normal(3),
        g=r.standard_normal(3),
        step=0.1,
        radius=1.0,
    ),
    "aauc.large.kl_step": lambda r: call(
        {"log_eta": {"negative": "logarithms are signed"}},
        log_eta=np.log([0.5, 0.5]),
        g=r.standard_normal(2),
        step=0.1,
    ),
    "aauc.large.lipschitz_bound": lambda r: call(R=p5()[0], c=p5()[2], two_p=p5()[3]),
    "aauc.large.p4_objective": lambda r: call(problem=problem(), z=start().z, p=problem().p_max),
    "aauc.large.p4_stationarity_gap": lambda r: call(problem=problem(), z=start().z),
    "aauc.large.p5_data": lambda r: call(problem=problem(), z=start().z),
    "aauc.large.p5_gap": lambda r: call(
        R=p5()[0], t=p5()[1], c=p5()[2], two_p=p5()[3], x=p5_x(), gam=p5_gamma()
    ),
    "aauc.large.p5_gradients": lambda r: call(
        R=p5()[0], t=p5()[1], c=p5()[2], two_p=p5()[3], x=p5_x(), gamma=p5_gamma()
    ),
    "aauc.large.p5_mirror_prox": lambda r: call(
        R=p5()[0], t=p5()[1], c=p5()[2], two_p=p5()[3], L=1.0, max_iter=3
    ),
    "aauc.large.p5_recover": lambda r: call(
        R=p5()[0], t=p5()[1], c=p5()[2], two_p=p5()[3], direction=p5_x()
    ),
    "aauc.model.draw_channels": lambda r: call(
        geometry=scenario().geometry, params=scenario().params, rng=r
    ),
    "aauc.model.draw_scenario": lambda r: call(params=scenario().params, rng=r, layout="paper"),
    "aauc.model.fig2a_geometry": lambda r: call(eve_fraction=0.5),
    "aauc.model.null_space": lambda r: call(g=cplx(r, 3)),
    "aauc.model.paper_geometry": lambda r: call(n_users=3, rng=r, distance_range=(100.0, 500.0)),
    "aauc.model.rayleigh_geometry": lambda r: call(
        n_users=3, rng=r, distance_range=(100.0, 500.0), far_distance=1000.0
    ),
    "aauc.model.redraw_eavesdropper": lambda r: call(scenario=scenario(), rng=r, layout="paper"),
    "aauc.model.ring_geometry": lambda r: call(n_users=3, distance=30.0, rng=r),
    "aauc.multistart.irs_multistart": lambda r: call(
        problem=irs_problem(), max_iter=1, tol=1e-3, spread=0.05
    ),
    "aauc.multistart.sco_multistart": lambda r: call(
        problem=problem(), rng=r, n_random=1, max_iter=1, tol=1e-3
    ),
    "aauc.problem.kkt_residual": lambda r: call(
        problem=problem(), z=start().z, w=start().w, active_tol=1e-4
    ),
    "aauc.problem.local_search": lambda r: call(problem=problem(), rng=r, n_starts=1),
    "aauc.problem.phi_surrogate": lambda r: call(
        problem=problem(), z=start().z, w=start().w, z0=start().z, w0=start().w
    ),
    "aauc.problem.upsilon_surrogate": lambda r: call(problem=problem(), w=start().w, w0=start().w),
    "aauc.successive.sco": lambda r: call(problem=problem(), max_iter=1, tol=1e-3),
    "aauc.successive.sco_subproblem": lambda r: call(problem=problem(), z0=start().z, w0=start().w),
    # ---------------------------------------------------------------- smallcell
    "smallcell.algorithms.best_response": lambda r: call(net=net(), p=p_net(r), j=0, kappa=0.0),
    "smallcell.algorithms.initial_power": lambda r: call(
        {"rng": {"none": NONE_OK}}, net=net(), kind="random", rng=r
    ),
    "smallcell.algorithms.price_iteration": lambda r: call(
        net=net(), kappa0=0.0, tol=1e-3, max_iter=2, inner_max_iter=20
    ),
    "smallcell.algorithms.priced_equilibrium": lambda r: call(
        net=net(), kappa=0.0, tol=1e-3, max_iter=5
    ),
    "smallcell.algorithms.solve_many": lambda r: call(
        nets=[net()], scheme="RS-RP", tol=1e-3, max_iter=2, inner_max_iter=20
    ),
    "smallcell.algorithms.solve_scheme": lambda r: call(net=net(), scheme="RS-RP"),
    "smallcell.algorithms.theorem6_step": lambda r: call(net=net(), c_sm=1.0, fraction=0.9),
    "smallcell.analysis.grnep_certificate": lambda r: call(
        net=net(), p=p_net(r), kappa=np.zeros(net().n_mue)
    ),
    "smallcell.analysis.own_hessian": lambda r: call(net=net(), p=p_net(r)),
    "smallcell.analysis.solve_grnep_player": lambda r: call(net=net(), p=p_net(r), j=0),
    "smallcell.analysis.upsilon": lambda r: call(net=net(), method="box"),
    "smallcell.analysis.vi_jacobian": lambda r: call(net=net(), p=p_net(r)),
    "smallcell.analysis.vi_map": lambda r: call(net=net(), p=p_net(r), kappa=np.zeros(net().n_mue)),
    "smallcell.core.stack": lambda r: call(nets=[net(), net()]),
    "smallcell.equilibrium.distinct_equilibria": lambda r: call(
        {"results": {"empty": "no runs: no equilibria"}},
        results=[vi_result(), vi_result()],
        rtol=1e-4,
    ),
    "smallcell.equilibrium.vi_equilibria": lambda r: call(
        {"rng": {"none": NONE_OK}}, net=net(), starts=1, rng=r, max_iter=5
    ),
    "smallcell.equilibrium.vi_equilibrium": lambda r: call(net=net(), max_iter=5),
    "smallcell.equilibrium.vi_many": lambda r: call(
        {"rng": {"none": NONE_OK}}, nets=[net()], scheme="RS-RP", starts=1, rng=r, max_iter=5
    ),
    "smallcell.experiments.common_mean": lambda r: call(
        data=sim_data(), schemes=["RS-RP"], output="secrecy"
    ),
    "smallcell.experiments.common_values": lambda r: call(
        data=sim_data(), schemes=["RS-RP"], output="secrecy"
    ),
    "smallcell.experiments.mean_interval": lambda r: call(
        {"x": MISSING}, x=r.uniform(size=(2, 3)), z=2.0
    ),
    "smallcell.experiments.selection_bias": lambda r: call(
        {"values": MISSING},
        values=r.uniform(size=(2, 3)),
        selected=np.array([[True, False, True]] * 2),
        z=2.0,
    ),
    "smallcell.experiments.simulate": lambda r: call(
        {"progress": {"none": NONE_OK}},
        rng=r,
        trials=1,
        n_sbs=2,
        max_iter=2,
        inner_max_iter=10,
        progress=False,
    ),
    "smallcell.experiments.status_counts": lambda r: call(data=sim_data(), scheme="RS-RP"),
    "smallcell.experiments.vi_values": lambda r: call(
        data=sim_data(), schemes=["RS-RP"], output="vi_secrecy"
    ),
    "smallcell.network.coupled_network": lambda r: call(rng=r, n_sbs=2, n_channels=2),
    "smallcell.network.generate_network": lambda r: call(rng=r, n_sbs=2, n_channels=2),
    "smallcell.network.path_gain_db": lambda r: call(
        {"distance_m": elementwise()}, distance_m=np.array([10.0, 100.0])
    ),
    "smallcell.network.with_uncertainty": lambda r: call(
        net=net(), chi_eps=0.1, chi_vareps=0.1, chi_e=0.1, rule="radius"
    ),
    "smallcell.response.fixed_tau_response": lambda r: call(
        {"b": {"inf": "inf: the channel is unusable"}},
        a=np.array([[10.0, 1.0]]),
        b=np.array([[1.0, 2.0]]),
        c=np.zeros((1, 2)),
        tau=np.array([0.1]),
        m=np.array([0.5]),
        P=np.array([1.0]),
    ),
    "smallcell.response.solve_best_response": lambda r: call(
        {"b": {"inf": "inf: the channel is unusable"}},
        a=np.array([[10.0, 1.0]]),
        b=np.array([[1.0, 2.0]]),
        c=np.zeros((1, 2)),
        beta=np.array([0.1]),
        s=np.array([0.5]),
        m=np.array([0.5]),
        P=np.array([1.0]),
        method="newton",
    ),
    **{
        f"smallcell.robust.{name}": (lambda r: call(net=net(), p=p_net(r)))
        for name in (
            "evaluate eve_coefficient eve_coefficient_printed eve_sinr interference "
            "legit_coefficient legit_coefficient_printed legit_sinr secrecy_rates "
            "worst_case_eve_gains worst_case_mue_gains zeta"
        ).split()
    },
}


def _certificate():
    return Certificate(kind="gap", value=0.0, tolerance=1e-6)


def mirror_prox_fn():
    return mirror.euclidean_prox(box)


def _mirror_prox_args(r):
    A = r.standard_normal((2, 2))
    operator, prox, _gap, z0 = mirror.matrix_game(A)
    return {"operator": operator, "prox": prox, "z0": z0}


@cache
def irs_start():
    return aauc.irs_sco(irs_problem(), max_iter=1)


@cache
def p5_solution():
    R, t, c, tp = p5()
    return aauc.p5_mirror_prox(R, t, c, tp, aauc.lipschitz_bound(R, c, tp), max_iter=3)


def p5_x():
    return p5_solution().x


def p5_gamma():
    return p5_solution().gamma


# ------------------------------------------------------------------ mimo_ic (issue 14)
@cache
def mic_net(zeta: float = 0.1):
    """A tiny network: 2 pairs, 2 antennas everywhere, one data and one AN stream."""
    sc = mic.Scenario(n_pairs=2, n_t=2, n_r=2, n_e=2, d_s=1, d_a=1, zeta=zeta)
    return mic.draw_network(sc, 0)


@cache
def mic_state():
    """Designs, interference, prices and auxiliaries of pair 0 on :func:`mic_net`."""
    net = mic_net()
    H, G = net.H_hat, net.G_hat
    X, _ = mic.backoff_start(H, G, net.power, 1, 1)
    Ups = mic.interference_covariance(H, X, 0)
    price = mic.prices(H, X, 1)
    view = mic.PairView.from_network(net, 0)
    aux = mic.aux_closed_form(H[0, 0], G[0], X[0], Ups, 1)
    grad = mic.sum_rate_gradient(H, G, X, 1)
    return {"X": X, "Ups": Ups, "price": price, "view": view, "aux": aux, "grad": grad}


def _mic_hgx():
    net = mic_net()
    return {"H": net.H_hat, "G": net.G_hat, "X": mic_state()["X"], "d_s": 1}


FEWER_EVE = {"shape": "any number of eavesdropper antennas"}


def _mic_residual(r, **extra):
    """``||B (H + Delta) X - C||^2`` over a ball: the data of the robust-term references."""
    return call(
        {"C": {"none": "None: a zero target"}},
        B=cplx(r, 1, 2),
        H=cplx(r, 2, 2),
        X=cplx(r, 2, 2),
        C=cplx(r, 1, 2),
        radius=0.1,
        **extra,
    )


def _mimo_ic():
    net, st = mic_net(), mic_state
    H, G = net.H_hat, net.G_hat
    return {
        "mimo_ic.adp.clear_problem_cache": lambda r: call(),
        "mimo_ic.adp.pair_price": lambda r: call(A=H[0, 0], X=st()["X"][0], Ups=st()["Ups"], d_s=1),
        "mimo_ic.adp.run_adp": lambda r: call(
            {
                "rng": {"none": "None: only schedule='random' needs a generator"},
                "X0": {"none": "None: the start given by `start`"},
                "solver_options": {"none": NONE_OK},
            },
            network=mic_net(0.0),
            pricing=True,
            aux="robust",
            schedule="sequential",
            max_iter=1,
            tol=1e-3,
            rng=r,
            X0=st()["X"],
            start="backoff",
            nominal_iter=1,
            rebuild=False,
            safeguard=True,
            solver_options={},
            cert_tol=1e-3,
        ),
        "mimo_ic.experiments.trial": lambda r: call(
            {
                "schemes": {"empty": "no schemes: only the bound (if asked) is computed"},
                "max_iter_nominal": {"none": "None: max_iter"},
                "progress": {"none": NONE_OK},
            },
            rng=r,
            schemes=("nonrobust",),
            max_iter=1,
            history=False,
            tol=1e-3,
            max_iter_nominal=1,
            gradient_iter=1,
            bound=False,
            worst_case=False,
            progress=False,
            n_pairs=2,
            n_t=2,
            n_r=2,
            n_e=2,
            d_s=1,
            d_a=1,
            zeta=0.0,
        ),
        "mimo_ic.model.backoff_start": lambda r: call(
            {
                "fractions": {
                    "none": "None: BACKOFF_FRACTIONS",
                    "shape": "any number of candidates",
                    "empty": "no candidates: t = 1, which is always tried",
                }
            },
            H=H,
            G=G,
            power=net.power,
            d_s=1,
            d_a=1,
            fractions=np.array([1e-2, 1e-4]),
            snr_floor_db=-20.0,
            method="gev",
            data_share=0.9,
        ),
        "mimo_ic.model.ball_coverage": lambda r: call(
            {"shape": {"shape": "a channel of any number of dimensions"}},
            zeta=0.1,
            radius=0.2,
            shape=(2, 2),
        ),
        "mimo_ic.model.ball_radius": lambda r: call(
            {
                "shape": {"shape": "a channel of any number of dimensions"},
                "coverage": {"none": "None: the radius is zeta (the print's reading)"},
            },
            zeta=0.1,
            shape=(2, 2),
            coverage=0.9,
        ),
        "mimo_ic.model.draw_network": lambda r: call(
            scenario=net.scenario, rng=r, error="gaussian"
        ),
        "mimo_ic.model.initial_precoders": lambda r: call(
            H=H, G=G, power=net.power, d_s=1, d_a=1, method="gev", data_share=0.9
        ),
        "mimo_ic.model.interference_covariance": lambda r: call(H=H, X=st()["X"], i=0),
        "mimo_ic.model.kkt_residual": lambda r: call(
            grad=st()["grad"], X=st()["X"], power=net.power
        ),
        "mimo_ic.model.priced_utilities": lambda r: call(**_mic_hgx(), price=st()["price"]),
        "mimo_ic.model.prices": lambda r: call(H=H, X=st()["X"], d_s=1),
        "mimo_ic.model.rates": lambda r: call(**_mic_hgx()),
        "mimo_ic.model.secrecy_rate_bound": lambda r: call(network=net, channel="true", bits=True),
        "mimo_ic.model.secrecy_rates": lambda r: call(
            network=net, X=st()["X"], channel="true", bits=True, clip=True
        ),
        "mimo_ic.model.sum_rate_gradient": lambda r: call(**_mic_hgx()),
        "mimo_ic.model.utility_gradient": lambda r: call(**_mic_hgx(), price=st()["price"]),
        "mimo_ic.mtmse.eve_mse": lambda r: call({"G": FEWER_EVE}, G=G[0], V=st()["X"][0][:, :1]),
        "mimo_ic.mtmse.run_mt_mse": lambda r: call(
            {"eta": {"none": "None: d_s / 2"}},
            network=mic_net(0.0),
            eta=0.5,
            max_iter=1,
            tol=1e-4,
            cert_tol=1e-3,
        ),
        "mimo_ic.mtmse.total_mse": lambda r: call(H=H, V=st()["X"][:, :, :1]),
        "mimo_ic.reference.gradient_ascent": lambda r: call(
            {"X0": {"none": "None: the backoff start"}},
            network=mic_net(0.0),
            X0=st()["X"],
            max_iter=2,
            tol=1e-9,
            cert_tol=1e-3,
        ),
        "mimo_ic.reference.stationarity_residual": lambda r: call(
            {"objective": {"negative": "a secrecy rate sum is signed"}},
            grad=st()["grad"],
            X=st()["X"],
            power=net.power,
            objective=0.5,
        ),
        "mimo_ic.robust.gamma_bound": lambda r: call(
            {"G": FEWER_EVE}, G=G[0], X=st()["X"][0], radius=net.radius_eve, space="stream"
        ),
        "mimo_ic.robust.min_robust_bound": lambda r: _mic_residual(r, form="monolithic"),
        "mimo_ic.robust.robust_norm_lmi": lambda r: call(
            {"t": {"negative": "an LMI in t: infeasible, not invalid"}},
            a=cplx(r, 2),
            J=cplx(r, 2, 3),
            radius=0.5,
            t=3.0,
            lam=1.0,
        ),
        "mimo_ic.robust.robust_terms": lambda r: call(
            view=st()["view"],
            X=st()["X"][0],
            aux=st()["aux"],
            Ups=st()["Ups"],
            cross_prices=st()["price"][1:],
        ),
        "mimo_ic.robust.worst_case_residual": _mic_residual,
        "mimo_ic.robust.worst_case_secrecy": lambda r: call(
            network=net, X=st()["X"], max_iter=2, tol=1e-12, cert_tol=1e-6
        ),
        "mimo_ic.wmmse_steps.aux_closed_form": lambda r: call(
            {"G": FEWER_EVE}, A=H[0, 0], G=G[0], X=st()["X"][0], Ups=st()["Ups"], d_s=1
        ),
        "mimo_ic.wmmse_steps.eve_closed_form": lambda r: call(
            {"G": FEWER_EVE}, G=G[0], X=st()["X"][0], d_s=1
        ),
        "mimo_ic.wmmse_steps.hermitian_sqrt": lambda r: call(S=hpd(r, 2)),
        "mimo_ic.wmmse_steps.nominal_precoder": lambda r: call(
            A=H[0, 0],
            G=G[0],
            X_shape=(2, 2),
            aux=st()["aux"],
            cross=st()["view"].cross,
            cross_prices=st()["price"][1:],
            power=net.power,
            d_s=1,
        ),
        "mimo_ic.wmmse_steps.receiver_closed_form": lambda r: call(
            A=H[0, 0], X=st()["X"][0], Ups=st()["Ups"], d_s=1
        ),
    }


# Declared domains of the shared modules, kept apart from the calls for readability.
_HERMITIAN = {"negative": "matrix entries are signed", "complex": "Hermitian input is legal"}
_VECTOR = {"negative": SIGNED, "complex": COMPLEX_OK}
_FREE_POINT = {
    "negative": SIGNED,
    "complex": COMPLEX_OK,
    "ndim": "any array shape",
    "shape": "any length",
    "empty": "an empty point is legal",
}
DOMAINS = {
    "channels.path_gain": {"ref_loss_db": {"negative": SIGNED}},
    "channels.path_loss_db": {"ref_loss_db": {"negative": SIGNED}},
    "convex.hermitian_residual": {"M": {"empty": "an empty matrix is Hermitian"}},
    "lemmas.ball_lmi": {
        "A": _HERMITIAN,
        "b": {**_VECTOR, "ndim": "(n,) or (n, 1)"},
        "c": {"negative": SIGNED},
    },
    "lemmas.quadratic_block": {
        "A": _HERMITIAN,
        "b": {**_VECTOR, "ndim": "(n,) or (n, 1)"},
        "c": {"negative": SIGNED},
    },
    "lemmas.min_quadratic_on_ball": {
        "A": _HERMITIAN,
        "b": {**_VECTOR, "ndim": "(n,) or (n, 1)"},
        "c": {"negative": SIGNED},
    },
    "lemmas.norm_bound_lmi": {"x": _FREE_POINT, "t": {"negative": "an LMI in t: infeasible"}},
    "lemmas.s_lemma_lmi": {"F0": _HERMITIAN, "F1": _HERMITIAN},
    "lemmas.s_procedure_lmi": {"F0": _HERMITIAN},
    "lemmas.schur_complement": {"M": _HERMITIAN},
    "lemmas.sign_definiteness_lmi": {"A": _HERMITIAN, "P": _HERMITIAN, "Q": _HERMITIAN},
    "lemmas.worst_case_sign_definiteness": {"A": _HERMITIAN, "P": _HERMITIAN, "Q": _HERMITIAN},
    "sca.check_surrogate": {"x0": _VECTOR, "points": {**_VECTOR, "shape": "any number"}},
    "sca.sca": {"x0": ANY},
    "mirror.ball_projection": {"v": _FREE_POINT},
    "mirror.matrix_game": {"A": {"shape": "any n x m game"}},
    "mirror.mirror_prox": {"z0": ANY},
    "mirror.simplex_projection": {"v": {"shape": "any length"}},
    "games.extragradient": {"x0": _FREE_POINT},
    "games.natural_residual": {"x": _FREE_POINT},
    "games.is_p_matrix": {"M": SIGNED_MATRIX},
    "games.is_positive_definite": {"M": _HERMITIAN},
    "games.monotonicity_modulus": {"xs": _VECTOR, "ys": _VECTOR},
    "games.vi_violation": {"x": _VECTOR, "points": {**_VECTOR, "shape": "any number"}},
    "fisher.effective_fim": {"keep": {"shape": "any subset of the parameters"}},
    "fisher.reparametrize": {"J": SIGNED_MATRIX},
    "fisher.slepian_bangs": {
        "dmu": {"none": "None: no mean term"},
        "dcov": {"none": "None: no covariance term"},
    },
    "admm.consensus_admm": {"z0": _FREE_POINT},
    "rates.log_det_rate": {"H": {"shape": "any number of receive antennas"}},
    "rates.mimo_secrecy_rate": {
        "H": {"shape": "any number of receive antennas"},
        "G": {"shape": "any number of receive antennas"},
    },
    "wmmse.mmse_matrix": {"H": {"shape": "any number of receive antennas"}},
    "wmmse.mmse_receiver": {"H": {"shape": "any number of receive antennas"}},
    "fisher.fim_snapshots": {"dG": {"shape": "any number of parameters"}},
    "lemmas.hermitian_block": {
        "A": _HERMITIAN,
        "B": _HERMITIAN,
        "C": {**_HERMITIAN, "ndim": "a scalar C is a 1 x 1 block"},
    },
    "sca.quadratic_minorant": {"a": {"ndim": "a matrix a holds one vector per column"}},
    "games.best_response_iteration": {
        "x0": {"negative": SIGNED, "complex": COMPLEX_OK, "ndim": "blocks of any shape"}
    },
    "sdr.rank_reduction": {
        "constraints": {"empty": "no constraints", "negative": "matrix entries are signed"}
    },
    "aauc.angular.fit_lambda": {
        "exact": {"negative": "a quadrature estimate of a rate near 0 can be slightly < 0"}
    },
    "aauc.large.lipschitz_bound": {"R": {"shape": "any number of helpers"}},
    "aauc.model.null_space": {"g": {"shape": "any number of antennas"}},
    "aauc.experiments.compare_schemes": {
        "k_factor_db": {"negative": "a dB value is signed", "-inf": "-inf dB: Rayleigh fading"}
    },
    "aauc.experiments.fit_experiment": {
        "noise_dbm": {"none": NONE_OK, "negative": "a dBm value is signed"}
    },
    "smallcell.analysis.vi_map": {
        "kappa": {"none": "None: the map without prices", "ndim": SCALAR_OK}
    },
    "smallcell.analysis.grnep_certificate": {"kappa": {"ndim": SCALAR_OK}},
    "sim.run_grid": {"n_jobs": {"negative": "-1: all cores (other negatives are rejected)"}},
    "aauc.large.euclidean_step": {"y": _FREE_POINT, "g": _FREE_POINT},
    "aauc.large.kl_step": {"log_eta": {"-inf": "-inf is log 0"}},
    "mirror.kl_prox_log": {"logx": {"-inf": "-inf is log 0"}},
}


# ------------------------------------------------------------------ isac
@cache
def isac_scenario():
    from wiretap import isac

    return isac.paper_scenario(0, n_antennas=2, n_users=1, n_bs=2, p_max_dbm=30.0)


@cache
def isac_design():
    from wiretap import isac

    s = isac_scenario()
    W = np.broadcast_to(0.1 * np.eye(s.N), (2, s.M, s.K, s.N, s.N)).astype(complex)
    R = np.broadcast_to(0.2 * np.eye(s.N), (2, s.M, s.N, s.N)).astype(complex)
    return isac.rank_one_shift(s, W, R)


@cache
def isac_runs():
    from wiretap import isac

    return isac.run_schemes(isac_scenario(), schemes=("Baseline 1",), bcd_iter=1)


@cache
def isac_chain():
    from wiretap import isac

    return isac.budget_continuation(isac_scenario(), [30.0], schemes=("Baseline 2",), bcd_iter=1)


_ISAC_P = {"none": "None: the estimated eavesdropper position", "negative": "a signed position"}
_ISAC_RX = {"none": "None: every BS receives", "shape": "any subset of the BSs"}
_ISAC_MULT = (
    "the matrix of eq. (51) is defined for any real xi and eta; the S-procedure needs "
    "eta >= 0, which the caller's LMI imposes (solver multipliers carry round-off)"
)
_ISAC_ANGLE = {**elementwise(), "negative": "an angle is signed"}


def _isac():
    scn, d = isac_scenario, isac_design
    W, R = (lambda: d().W), (lambda: d().R)
    M, N = 2, 2
    S = lambda: np.broadcast_to(0.3 * np.eye(N), (M, N, N)).astype(complex)  # noqa: E731
    X = lambda r: cplx(r, M, N, 4)  # noqa: E731
    P0, Q0 = hpd(np.random.default_rng(1), 2), hpd(np.random.default_rng(2), 2)
    radii = lambda: np.full((2, M), 0.1)  # noqa: E731

    def ratio_call(r):
        return call(
            {"center": {"negative": SIGNED, "complex": "a complex channel"}},
            P=P0,
            Q=Q0,
            center=np.array([1.0, 0.5]),
            radius=0.1,
            c0=1.0,
            tol=1e-8,
            max_iter=20,
        )

    return {
        "isac.admm.consensus_maps": lambda r: call(M=2, K=1),
        "isac.admm.overhead": lambda r: call(M=2, N=2, K=1, L=16, iterations=3),
        "isac.admm.decentralized_design": lambda r: call(
            {
                "mse": {"none": "None: the adaptive mode has no fixed requirement"},
                "mse0": {"none": NONE_OK},
                "init": {"none": "None: computed by initial_state"},
            },
            scn=scn(),
            mode="adaptive",
            mse=None,
            rho0=1.0,
            varsigma=1.5,
            rho_max=10.0,
            tol=1e-3,
            tol_residual=1e-4,
            max_iter=1,
            init_iter=1,
            mse0=1.0,
            init=None,
            rebuild=False,
        ),
        "isac.design.baseline_separate": lambda r: call(
            scn=scn(), tol=1e-3, max_iter=1, rebuild=False
        ),
        "isac.design.best_sensing": lambda r: call(
            {"power": {"none": "None: the stage-1 budget"}}, scn=scn(), power=10.0, rebuild=False
        ),
        "isac.design.centralized_design": lambda r: call(
            {"mse0": {"none": NONE_OK}, "init": {"none": "None: computed by initial_state"}},
            scn=scn(),
            tol=1e-3,
            max_iter=1,
            init_iter=1,
            mse0=1.0,
            init=None,
            rebuild=False,
        ),
        "isac.design.check_design": lambda r: call(scn=scn(), design=d(), tol=1e-4),
        "isac.design.fixed_sensing_design": lambda r: call(
            scn=scn(), mse=1.0, tol=1e-3, max_iter=1, rebuild=False
        ),
        "isac.design.initial_state": lambda r: call(
            {"mse0": {"none": NONE_OK}}, scn=scn(), mse0=1.0, max_iter=1
        ),
        "isac.design.rank_one_shift": lambda r: call(scn=scn(), W=W(), R=R()),
        "isac.design.rank_ratio": lambda r: call(
            {"W": {"ndim": "any stack of matrices", "shape": "any stack", "empty": EMPTY_OK}},
            W=W(),
        ),
        "isac.design.sensing_mse": lambda r: call(scn=scn(), W=W(), R=R()),
        "isac.experiments.budget_continuation": lambda r: call(
            {
                "start": {"none": "None: no earlier results"},
                "budgets_dbm": {"negative": "a dBm value is signed"},
            },
            scn=scn(),
            budgets_dbm=np.array([30.0]),
            schemes=("Baseline 2",),
            start={},
            baseline2_mse=1e-3,
            admm_iter=1,
            bcd_iter=1,
        ),
        "isac.experiments.feasible_mean": lambda r: call(
            {"values": MISSING}, values=r.random((2, 3))
        ),
        "isac.experiments.outcome": lambda r: call(result=isac_runs()["Baseline 1"]),
        "isac.experiments.run_schemes": lambda r: call(
            {"progress": {"none": "None: a bar only in an interactive session"}},
            scn=scn(),
            schemes=("Baseline 1",),
            baseline2_mse=1e-3,
            admm_iter=1,
            bcd_iter=1,
            progress=False,
        ),
        "isac.experiments.summarize": lambda r: call(
            {"names": {"none": "None: every scheme in results"}},
            results=isac_runs(),
            names=("Baseline 1",),
        ),
        "isac.experiments.summarize_continuation": lambda r: call(
            {
                "names": {"none": "None: every scheme in chain"},
                "n_budgets": {"none": "None: only needed for names without steps"},
            },
            chain=isac_chain(),
            names=("Baseline 2",),
            n_budgets=1,
        ),
        "isac.geometry.aod": lambda r: call(
            {
                "bs": {"negative": "a signed position", "shape": "any number of BSs"},
                "p": {"negative": "a signed position", "ndim": "a stack of points (..., 2)"},
            },
            bs=np.array([[15.0, 22.5], [-25.0, 25.0]]),
            p=np.array([1.0, 2.0]),
        ),
        "isac.geometry.cos_aod_gradient": lambda r: call(
            {
                "bs": {"negative": "a signed position", "shape": "any number of BSs"},
                "p": {"negative": "a signed position"},
            },
            bs=np.array([[15.0, 22.5], [-25.0, 25.0]]),
            p=np.array([1.0, 2.0]),
        ),
        "isac.geometry.steering_position_jacobian": lambda r: call(
            {
                "bs": {"negative": "a signed position", "shape": "any number of BSs"},
                "p": {"negative": "a signed position"},
            },
            n=3,
            bs=np.array([[15.0, 22.5], [-25.0, 25.0]]),
            p=np.array([1.0, 2.0]),
        ),
        "isac.geometry.paper_scenario": lambda r: call(
            {
                "p_max_dbm": {"negative": "a dBm value is signed"},
                "noise_dbm": {"negative": "a dBm value is signed"},
                "eve": {"negative": "a signed position"},
            },
            rng=r,
            n_antennas=2,
            n_users=1,
            n_bs=2,
            p_max_dbm=20.0,
            r_info=5.0,
            r_leak=0.5,
            tau1=0.2,
            n_samples=16,
            noise_dbm=-100.0,
            freq_hz=5e9,
            user_radius=(5.0, 15.0),
            user_exponent=3.0,
            user_kfactor=3.0,
            eve_exponent=2.2,
            kappa=10.0,
            beta_nlos=0.3,
            rcs=1.0,
            q1_std=1.0,
            eve=(0.0, 0.0),
        ),
        "isac.geometry.steering": lambda r: call(
            {"theta": _ISAC_ANGLE}, n=3, theta=np.array([0.3, 1.2])
        ),
        "isac.geometry.steering_derivative": lambda r: call(
            {"theta": _ISAC_ANGLE}, n=3, theta=np.array([0.3, 1.2])
        ),
        "isac.robust.angle_radius": lambda r: call(scn=scn(), trace_q=0.5, exact=False),
        "isac.robust.bound_coefficients": lambda r: call(scn=scn()),
        "isac.robust.bound_coefficients_printed": lambda r: call(scn=scn()),
        "isac.robust.csi_radius": lambda r: call(scn=scn(), trace_q=0.5),
        "isac.robust.leakage_ratio": lambda r: call(
            {"g": {"negative": SIGNED}}, scn=scn(), W=W(), R=R(), g=scn().g_est
        ),
        "isac.robust.max_ratio_on_ball": ratio_call,
        "isac.robust.worst_ratio_on_ball": ratio_call,
        "isac.robust.s_procedure_matrix": lambda r: call(
            {
                "center": {"negative": SIGNED, "complex": "a complex channel"},
                "xi": {"negative": _ISAC_MULT},
                "eta": {"negative": _ISAC_MULT},
            },
            P=P0,
            Q=Q0,
            center=np.array([1.0, 0.5]),
            xi=0.5,
            eta=0.1,
            radius2=0.01,
            sigma2=1.0,
        ),
        "isac.robust.steering_error_bound": lambda r: call(
            {"theta_bar": _ISAC_ANGLE, "beta": elementwise()},
            n=3,
            theta_bar=np.array([0.3, 1.2]),
            beta=np.array([0.1, 0.2]),
        ),
        "isac.robust.steering_error_rigorous": lambda r: call(
            {"theta_bar": _ISAC_ANGLE, "beta": elementwise()},
            n=3,
            theta_bar=np.array([0.3, 1.2]),
            beta=np.array([0.1, 0.2]),
        ),
        "isac.robust.steering_error_exact": lambda r: call(
            {"theta_bar": _ISAC_ANGLE, "beta": elementwise()},
            n=3,
            theta_bar=np.array([0.3, 1.2]),
            beta=np.array([0.1, 0.2]),
            n_grid=101,
        ),
        "isac.robust.total_leakage": lambda r: call(scn=scn(), xi=np.full((2, M, 1), 0.1)),
        "isac.robust.trs_min": lambda r: call(
            {"b": {"negative": SIGNED, "complex": COMPLEX_OK}, "c": {"negative": SIGNED}},
            A=P0,
            b=np.array([1.0, -0.5]),
            c=0.3,
            radius=0.5,
        ),
        "isac.robust.user_rates": lambda r: call(scn=scn(), W=W(), R=R()),
        "isac.robust.worst_case_leakage": lambda r: call(
            scn=scn(), W=W(), R=R(), radii=radii(), ball="per_bs"
        ),
        "isac.robust.worst_case_leakage_sampled": lambda r: call(
            scn=scn(), W=W(), R=R(), radii=radii(), rng=r, n_samples=8, n_ascent=2
        ),
        "isac.sensing.crb": lambda r: call(F=spd(r, 2)),
        "isac.sensing.echo_samples": lambda r: call(
            {"p": _ISAC_P}, scn=scn(), X=X(r), rng=r, p=np.array([0.5, 0.5]), noise="independent"
        ),
        "isac.sensing.fim_central_kron": lambda r: call(
            {"p": _ISAC_P}, scn=scn(), S=S(), p=np.array([0.5, 0.5])
        ),
        "isac.sensing.fim_from_samples": lambda r: call(
            {"p": _ISAC_P, "receivers": _ISAC_RX},
            scn=scn(),
            X=X(r),
            p=np.array([0.5, 0.5]),
            receivers=np.array([0, 1]),
            gains="known",
        ),
        "isac.sensing.fim_receive": lambda r: call(
            {"p": _ISAC_P}, scn=scn(), S=S(), p=np.array([0.5, 0.5])
        ),
        "isac.sensing.fim_transmit": lambda r: call(
            {"p": _ISAC_P}, scn=scn(), S=S(), p=np.array([0.5, 0.5])
        ),
        "isac.sensing.fim_transmit_blocks": lambda r: call(
            {"p": _ISAC_P}, scn=scn(), p=np.array([0.5, 0.5])
        ),
        "isac.sensing.fuse_estimates": lambda r: call(
            {"estimates": {"negative": "a signed position"}},
            estimates=r.standard_normal((M, 2)),
            covariances=np.stack([spd(r, 2) for _ in range(M)]),
        ),
        "isac.sensing.ml_location": lambda r: call(
            {"p0": {**_ISAC_P, "none": "None: start at the estimate"}, "receivers": _ISAC_RX},
            scn=scn(),
            Y=cplx(r, M, N, 4),
            X=X(r),
            p0=np.array([0.5, 0.5]),
            receivers=np.array([0, 1]),
        ),
        "isac.sensing.response_derivatives": lambda r: call(
            {"p": _ISAC_P}, scn=scn(), p=np.array([0.5, 0.5])
        ),
        "isac.sensing.response_matrices": lambda r: call(
            {"p": _ISAC_P}, scn=scn(), p=np.array([0.5, 0.5])
        ),
        "isac.sensing.sensing_covariance": lambda r: call(W1=W()[0], R1=R()[0]),
    }


def _presentation():
    """Figures, explorers and paper-versus-ours tables."""
    import matplotlib.pyplot as plt

    from wiretap.widgets import Slider

    def axes():
        fig, ax = plt.subplots()
        plt.close(fig)
        return ax

    def draw(rho=0.1):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, rho])
        return fig

    label = {"choice": "a free-text label: any string is legal", "none": "None: no label"}
    return {
        "plotting.figure": lambda r: call(nrows=1, ncols=2, width=4.0, aspect=0.6),
        "plotting.finish": lambda r: call(
            {"xlabel": label, "ylabel": label, "title": label},
            ax=axes(),
            xlabel="x",
            ylabel="y",
            title="t",
            legend="auto",
        ),
        "plotting.series": lambda r: call(i=2),
        "plotting.style": lambda r: call(),
        "plotting.use_house_style": lambda r: call(),
        "widgets.explorer": lambda r: call(
            plot=draw, live=False, rho=Slider(0.0, 0.5, 0.05, 0.1, "rho")
        ),
        "widgets.is_live": lambda r: call(),
        "repro.compare": lambda r: call(
            {
                "seed": {"none": "None: no seed recorded"},
                "elapsed": {"none": "None: not timed"},
                "figure": {"choice": "a free-text figure name: any non-empty string is legal"},
            },
            part="mimo_ic",
            figure="Fig. 3",
            rows=[("rate", 1.35, 0.87), ("power", 1.0, 2.0, "note")],
            seed=1,
            elapsed=2.0,
            write=False,
        ),
        "repro.load_all": lambda r: call(
            {
                "folder": {
                    "none": "None: the repro folder of this run",
                    "choice": "any path: a folder that does not exist holds no tables",
                }
            },
            folder=".",
        ),
        "repro.repro_dir": lambda r: call(),
    }


def _with_domains(qualname, builder):
    def build(rng):
        c = builder(rng)
        for arg, cats in DOMAINS.get(qualname, {}).items():
            c.allow[arg] = {**c.allow.get(arg, {}), **cats}
        return c

    return build


REGISTRY.update(_mimo_ic())
REGISTRY.update(_isac())
REGISTRY.update(_presentation())
REGISTRY = {q: _with_domains(q, b) for q, b in REGISTRY.items()}
