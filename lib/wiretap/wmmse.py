"""MMSE receivers, MSE matrices, the log-det variational identity, and the WMMSE algorithm.

For a linear Gaussian link ``y = H V s + n`` with ``s ~ CN(0, I_d)`` and
``n ~ CN(0, R)``, a linear receiver ``U`` estimates ``s`` by ``U^H y``. Its error covariance
is the MSE matrix ``E(U)``; the MMSE receiver minimizes it, and at that receiver

    ``log det(I + H V V^H H^H R^{-1}) = -log det E_mmse``        (rate-MSE relation)

while ``-log det E = max_{S > 0} log det S - tr(S E) + d`` (log-det variational identity,
maximizer ``S = E^{-1}``). Together they turn a log-det rate into a problem that is convex in
each block of variables ``(U, S, V)`` separately: the WMMSE method.

All logarithms are natural (rates in nats/s/Hz); divide by ``log(2)`` for bits.

References
----------
Q. Shi, M. Razaviyayn, Z.-Q. Luo and C. He, "An iteratively weighted MMSE approach to
distributed sum-utility maximization for a MIMO interfering broadcast channel," IEEE Trans.
Signal Process., 59(9), 2011. Kong et al. (MIMO-IC), paper eqs. (27)-(36).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.optimize as sopt

from ._linalg import herm
from ._validation import as_array, as_generator, check_int, check_positive
from .results import Certificate, IterativeResult, as_history, settle

__all__ = [
    "WmmseResult",
    "logdet_variational",
    "mmse_matrix",
    "mmse_receiver",
    "mse_matrix",
    "sum_rate_stationarity",
    "wmmse_sum_rate",
]


# ----------------------------------------------------------------------------- helpers
def _noise(noise_cov, m: int, name: str = "noise_cov") -> np.ndarray:
    """A positive definite ``(m, m)`` noise covariance from a power or a matrix."""
    R = as_array(noise_cov, name, ndim=(0, 2), kind="complex")
    if R.ndim == 0:
        if abs(R.imag) > 0 or R.real <= 0:
            raise ValueError(f"{name} must be a positive noise power, got {noise_cov!r}")
        return float(R.real) * np.eye(m)
    if R.shape != (m, m):
        raise ValueError(f"{name} must be a scalar or have shape ({m}, {m}), got {R.shape}")
    _check_hermitian(R, name)
    if np.linalg.eigvalsh((R + R.conj().T) / 2).min() <= 0:
        raise ValueError(f"{name} must be positive definite")
    return (R + R.conj().T) / 2


def _check_hermitian(M: np.ndarray, name: str) -> None:
    scale = max(1.0, float(np.abs(M).max(initial=0.0)))
    if np.abs(M - M.conj().T).max(initial=0.0) > 1e-9 * scale:
        raise ValueError(f"{name} must be Hermitian")


def _link(H, V) -> tuple[np.ndarray, np.ndarray]:
    Hm = as_array(H, "H", ndim=2, kind="complex")
    Vm = as_array(V, "V", ndim=2, kind="complex")
    if Vm.shape[0] != Hm.shape[1]:
        raise ValueError(f"V must have {Hm.shape[1]} rows to match H, got shape {Vm.shape}")
    return Hm, Vm


# ----------------------------------------------------------------------------- identities
def mmse_receiver(H, V, noise_cov) -> np.ndarray:
    """Linear MMSE receiver ``U = (H V V^H H^H + R)^{-1} H V``.

    Parameters
    ----------
    H : array_like, complex, shape (m, n)
        Channel (``n`` transmit, ``m`` receive antennas).
    V : array_like, complex, shape (n, d)
        Precoder of ``d`` unit-power streams.
    noise_cov : float or array_like, shape (m, m)
        Noise(-plus-interference) power or covariance ``R``, positive definite.

    Returns
    -------
    ndarray, complex, shape (m, d)

    References
    ----------
    Kong et al. (MIMO-IC), paper eq. (33), printed there as ``N^{-1} H Q``; that receiver
    differs from the MMSE one by an invertible right factor and has a larger MSE matrix (see
    the errata of the WMMSE chapter).

    Examples
    --------
    >>> U = mmse_receiver(np.eye(2), np.eye(2), 1.0)
    >>> bool(np.allclose(U, 0.5 * np.eye(2)))
    True
    """
    Hm, Vm = _link(H, V)
    R = _noise(noise_cov, Hm.shape[0])
    HV = Hm @ Vm
    return np.linalg.solve(herm(HV @ HV.conj().T + R), HV)


def mse_matrix(H, V, U, noise_cov) -> np.ndarray:
    """MSE matrix ``E = (I - U^H H V)(I - U^H H V)^H + U^H R U`` of the receiver ``U``.

    ``E = E[(U^H y - s)(U^H y - s)^H]`` for ``y = H V s + n``, ``s ~ CN(0, I)``,
    ``n ~ CN(0, R)``.

    Parameters
    ----------
    H : array_like, complex, shape (m, n)
    V : array_like, complex, shape (n, d)
    U : array_like, complex, shape (m, d)
        Any linear receiver.
    noise_cov : float or array_like, shape (m, m)

    Returns
    -------
    ndarray, complex, shape (d, d)
        Hermitian positive definite.

    References
    ----------
    Kong et al. (MIMO-IC), paper eq. (31).

    Examples
    --------
    >>> E = mse_matrix(np.eye(1), np.eye(1), np.zeros((1, 1)), 1.0)  # U = 0: E = I
    >>> float(E[0, 0].real)
    1.0
    """
    Hm, Vm = _link(H, V)
    m, d = Hm.shape[0], Vm.shape[1]
    Um = as_array(U, "U", shape=(m, d), kind="complex", match="H @ V")
    R = _noise(noise_cov, m)
    D = np.eye(d) - Um.conj().T @ Hm @ Vm
    return herm(D @ D.conj().T + Um.conj().T @ R @ Um)


def mmse_matrix(H, V, noise_cov) -> np.ndarray:
    """MSE matrix at the MMSE receiver: ``(I + V^H H^H R^{-1} H V)^{-1}``.

    Parameters
    ----------
    H : array_like, complex, shape (m, n)
    V : array_like, complex, shape (n, d)
    noise_cov : float or array_like, shape (m, m)

    Returns
    -------
    ndarray, complex, shape (d, d)

    Examples
    --------
    >>> E = mmse_matrix(np.eye(2), np.eye(2), 1.0)
    >>> bool(np.allclose(E, 0.5 * np.eye(2)))
    True
    """
    Hm, Vm = _link(H, V)
    R = _noise(noise_cov, Hm.shape[0])
    L = np.linalg.cholesky(R)
    G = sla.solve_triangular(L, Hm @ Vm, lower=True)  # L^{-1} H V
    d = Vm.shape[1]
    return herm(np.linalg.inv(herm(np.eye(d) + G.conj().T @ G)))


def logdet_variational(E, S) -> float:
    """The function ``log det S - tr(S E) + d`` whose maximum over ``S > 0`` is ``-log det E``.

    For Hermitian positive definite ``E`` the maximum is attained at ``S = E^{-1}``; every
    other ``S`` gives a smaller value (concave in ``S``, linear in ``E``).

    Parameters
    ----------
    E : array_like, shape (d, d)
        Hermitian positive semidefinite (typically an MSE matrix).
    S : array_like, shape (d, d)
        Hermitian positive definite weight.

    Returns
    -------
    float
        In nats.

    References
    ----------
    Kong et al. (MIMO-IC), paper eqs. (27)-(30) and (35)-(36); Shi et al. (2011), Lemma 1.

    Examples
    --------
    >>> E = np.diag([0.5, 0.25])
    >>> bool(np.isclose(logdet_variational(E, np.linalg.inv(E)), -np.log(0.125)))
    True
    """
    Em = as_array(E, "E", ndim=2, kind="complex")
    d = Em.shape[0]
    if Em.shape != (d, d):
        raise ValueError(f"E must be square, got shape {Em.shape}")
    Sm = as_array(S, "S", shape=(d, d), kind="complex", match="E")
    _check_hermitian(Em, "E")
    _check_hermitian(Sm, "S")
    sign, logdet = np.linalg.slogdet(herm(Sm))
    if sign.real <= 0 or np.linalg.eigvalsh(herm(Sm)).min() <= 0:
        raise ValueError("S must be positive definite")
    return float(logdet - np.real(np.trace(Sm @ Em)) + d)


# ----------------------------------------------------------------------------- WMMSE
@dataclass(frozen=True, kw_only=True)
class WmmseResult(IterativeResult):
    """Outcome of :func:`wmmse_sum_rate`.

    Attributes
    ----------
    V : ndarray, complex, shape (K, n_t, d)
        Precoders (``tr(V_k V_k^H) <= P_k``).
    U : ndarray, complex, shape (K, n_r, d)
        MMSE receivers for the returned precoders.
    W : ndarray, complex, shape (K, d, d)
        Weights ``E_k^{-1}`` for the returned precoders.
    rates : ndarray, shape (K,)
        Rates of the returned precoders (nats/s/Hz), interference treated as noise.
    sum_rate : float
        ``sum_k weights_k rates_k`` (nats/s/Hz).
    certificate : Certificate
        Kind ``"stationarity"``: the Frank-Wolfe gap of the weighted sum rate at ``V``
        (:func:`sum_rate_stationarity`) over ``max(1, sum_rate)``, against ``cert_tol``.

    ``history["sum_rate"]`` holds the weighted sum rate at the start and after every
    iteration (non-decreasing in exact arithmetic).
    """

    V: np.ndarray
    U: np.ndarray
    W: np.ndarray
    rates: np.ndarray
    sum_rate: float


def _ic_rates(H: np.ndarray, V: np.ndarray, sigma2: np.ndarray) -> np.ndarray:
    K, _, n_r, _ = H.shape
    out = np.empty(K)
    for i in range(K):
        C = sigma2[i] * np.eye(n_r, dtype=complex)
        for j in range(K):
            if j != i:
                HV = H[i, j] @ V[j]
                C += HV @ HV.conj().T
        S = H[i, i] @ V[i]
        _, ld_all = np.linalg.slogdet(herm(C + S @ S.conj().T))
        _, ld_int = np.linalg.slogdet(herm(C))
        out[i] = ld_all.real - ld_int.real
    return out


def _power_scaled_solve(J: np.ndarray, B: np.ndarray, power: float) -> np.ndarray:
    """``(J + mu I)^{-1} B`` with the smallest ``mu >= 0`` giving ``||.||_F^2 <= power``.

    ``J`` is Hermitian PSD. With ``mu = 0`` and a singular ``J`` the minimum-norm solution
    (pseudo-inverse) is used when ``B`` lies in the range of ``J``.
    """
    lam, D = np.linalg.eigh(herm(J))
    lam = np.maximum(lam, 0.0)
    G = D.conj().T @ B
    g = np.sum(np.abs(G) ** 2, axis=1)
    scale = max(1.0, float(lam.max()))
    nz = lam > 1e-12 * scale
    if g[~nz].sum() <= 1e-24 * max(1.0, g.sum()) and np.sum(g[nz] / lam[nz] ** 2) <= power:
        return D[:, nz] @ (G[nz] / lam[nz, None])

    def excess(mu):
        return float(np.sum(g / (lam + mu) ** 2)) - power

    hi = 2 * float(np.sqrt(g.sum() / power))  # excess(hi) < 0 because lam >= 0
    lo = hi
    for _ in range(2000):
        lo /= 2
        if excess(lo) > 0:
            break
    else:  # pragma: no cover - excluded by the first branch
        raise RuntimeError("power bracket not found")
    mu = sopt.brentq(excess, lo, hi, rtol=1e-14, xtol=1e-300)
    return D @ (G / (lam + mu)[:, None])


def wmmse_sum_rate(
    H,
    power,
    noise,
    streams: int,
    rng,
    *,
    weights=None,
    V0=None,
    tol: float = 1e-6,
    max_iter: int = 500,
    cert_tol: float = 1e-4,
) -> WmmseResult:
    """Weighted sum-rate maximization in a K-user MIMO interference channel by WMMSE.

    Maximizes ``sum_k a_k log det(I + H_kk V_k V_k^H H_kk^H C_k^{-1})`` with
    ``C_k = sigma_k^2 I + sum_{j != k} H_kj V_j V_j^H H_kj^H`` subject to
    ``tr(V_k V_k^H) <= P_k``, by block-coordinate ascent on the equivalent WMMSE problem:
    MMSE receivers ``U_k``, weights ``W_k = E_k^{-1}``, then precoders
    ``V_k = a_k (sum_j a_j H_jk^H U_j W_j U_j^H H_jk + mu_k I)^{-1} H_kk^H U_k W_k`` with
    ``mu_k >= 0`` set by bisection to meet the power budget. Each step cannot decrease the
    weighted sum rate; the limit points are stationary points.

    Parameters
    ----------
    H : array_like, complex, shape (K, K, n_r, n_t)
        ``H[k, j]`` is the channel from transmitter ``j`` to receiver ``k``.
    power : float or array_like, shape (K,)
        Power budgets ``P_k > 0`` (same unit as the noise powers).
    noise : float or array_like, shape (K,)
        Noise powers ``sigma_k^2 > 0``.
    streams : int
        Streams per user, ``1 <= d <= min(n_r, n_t)``.
    rng : numpy.random.Generator or int
        Draws the random initial precoders (unless ``V0`` is given).
    weights : array_like, shape (K,), optional
        Rate weights ``a_k > 0`` (default all ones).
    V0 : array_like, shape (K, n_t, d), optional
        Initial precoders (must meet the power budgets).
    tol : float
        Stop when the weighted sum rate improves by less than ``tol`` (relative).
    max_iter : int
        Iteration cap.
    cert_tol : float
        Tolerance of the certificate, the relative Frank-Wolfe gap (> 0, dimensionless).

    Returns
    -------
    WmmseResult
        ``status`` is ``"converged"`` (rule met and certificate holds), ``"stalled"``
        (the sum rate stopped improving but the returned precoders are not certified
        stationary) or ``"max_iter"``.

    Notes
    -----
    Certificate. The stopping rule only says that the sum rate stopped moving. The result
    carries, independently, the Frank-Wolfe gap of the weighted sum rate itself at the
    returned precoders, :func:`sum_rate_stationarity`, divided by ``max(1, sum rate)``: the
    gradient is computed in closed form from the rates (not from the WMMSE variables), and
    the gap is zero exactly at a KKT point of the power-constrained problem. WMMSE slows
    down at high SNR, where a small change per iteration can still leave a gap well above
    ``cert_tol``: such runs end ``"stalled"``, not ``"converged"``. Measured on random
    3-user 2x3 channels at ``tol = 1e-6``: relative gaps about ``1e-6`` at ``P = 1``,
    ``1e-5`` at ``P = 10`` and ``1.5e-4`` at ``P = 100`` (noise 1).

    References
    ----------
    Shi et al. (2011), Algorithm 1; Kong et al. (MIMO-IC), paper Algorithm 1 builds its
    robust, secrecy-aware version on it.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> H = (rng.standard_normal((2, 2, 2, 2)) + 1j * rng.standard_normal((2, 2, 2, 2))) / 2
    >>> res = wmmse_sum_rate(H, power=10.0, noise=1.0, streams=1, rng=rng)
    >>> res.status, bool(np.all(np.diff(res.history["sum_rate"]) >= -1e-9))
    ('converged', True)
    >>> res.certificate.kind, res.certificate.value <= 1e-4
    ('stationarity', True)
    """
    t0 = time.perf_counter()
    ic = _WmmseProblem.check(H, power, noise, streams, weights, tol, max_iter, cert_tol)
    V = ic.initial_precoders(rng, V0)
    rates = _ic_rates(ic.H, V, ic.s2)
    trace = {"sum_rate": [float(ic.a @ rates)]}
    status, it = "max_iter", 0
    for it in range(1, ic.max_iter + 1):  # noqa: B007 - it is read after the loop
        U, W = ic.receivers(V)
        V = ic.precoders(U, W)
        rates = _ic_rates(ic.H, V, ic.s2)
        trace["sum_rate"].append(float(ic.a @ rates))
        prev, cur = trace["sum_rate"][-2], trace["sum_rate"][-1]
        if abs(cur - prev) <= ic.tol * max(1.0, abs(cur)):
            status = "converged"
            break
    U, W = ic.receivers(V)
    value = _stationarity(ic.H, V, ic.s2, ic.a, ic.P)
    value = value / max(1.0, abs(float(ic.a @ rates)))
    cert = Certificate(
        kind="stationarity",
        value=value if np.isfinite(value) else np.nan,
        tolerance=ic.cert_tol,
        detail="Frank-Wolfe gap of the weighted sum rate over the power balls, "
        "relative to max(1, sum rate)",
    )
    message = f"sum rate still changing after max_iter={ic.max_iter} iterations"
    if status == "converged":
        status = settle(True, cert)
        message = (
            ""
            if status == "converged"
            else f"sum rate stopped improving at iteration {it} but the relative Frank-Wolfe "
            f"gap is {value:.3e} > cert_tol={ic.cert_tol:.3e}"
        )
    return WmmseResult(
        V=V,
        U=U,
        W=W,
        rates=rates,
        sum_rate=float(ic.a @ rates),
        status=status,
        iterations=it,
        history=as_history(trace),
        elapsed=time.perf_counter() - t0,
        message=message,
        certificate=cert,
    )


@dataclass(frozen=True)
class _WmmseProblem:
    """Validated data and settings of :func:`wmmse_sum_rate`, with its two block updates."""

    H: np.ndarray  # (K, K, n_r, n_t)
    P: np.ndarray  # power budgets, (K,)
    s2: np.ndarray  # noise powers, (K,)
    a: np.ndarray  # rate weights, (K,)
    d: int
    tol: float
    max_iter: int
    cert_tol: float

    @classmethod
    def check(cls, H, power, noise, streams, weights, tol, max_iter, cert_tol) -> _WmmseProblem:
        Hm = as_array(H, "H", ndim=4, kind="complex")
        K, K2, n_r, n_t = Hm.shape
        if K2 != K or K < 1:
            raise ValueError(f"H must have shape (K, K, n_r, n_t), got {Hm.shape}")
        P = np.broadcast_to(check_positive(power, "power"), (K,)).astype(float)
        s2 = np.broadcast_to(check_positive(noise, "noise"), (K,)).astype(float)
        d = check_int(streams, "streams", minimum=1, maximum=min(n_r, n_t))
        a = np.ones(K) if weights is None else check_positive(weights, "weights")
        a = np.broadcast_to(a, (K,)).astype(float)
        tol = float(check_positive(tol, "tol"))
        max_iter = check_int(max_iter, "max_iter", minimum=1)
        cert_tol = float(check_positive(cert_tol, "cert_tol"))
        return cls(Hm, P, s2, a, d, tol, max_iter, cert_tol)

    def initial_precoders(self, rng, V0) -> np.ndarray:
        """``V0`` checked against the budgets, else random precoders at full power."""
        K, _, _, n_t = self.H.shape
        P, d = self.P, self.d
        if V0 is None:
            gen = as_generator(rng)
            V = gen.standard_normal((K, n_t, d)) + 1j * gen.standard_normal((K, n_t, d))
            V *= np.sqrt(P / np.sum(np.abs(V) ** 2, axis=(1, 2)))[:, None, None]
            return V
        V = as_array(V0, "V0", shape=(K, n_t, d), kind="complex").copy()
        used = np.sum(np.abs(V) ** 2, axis=(1, 2))
        if np.any(used > P * (1 + 1e-9)):
            raise ValueError("V0 must meet the power budgets tr(V_k V_k^H) <= P_k")
        return V

    def receivers(self, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """MMSE receivers ``U_k`` and weights ``W_k = E_k^{-1}`` for the precoders ``V``."""
        Hm, s2, d = self.H, self.s2, self.d
        K, _, n_r, _ = Hm.shape
        U = np.empty((K, n_r, d), dtype=complex)
        W = np.empty((K, d, d), dtype=complex)
        for k in range(K):
            C = s2[k] * np.eye(n_r, dtype=complex)
            for j in range(K):
                HV = Hm[k, j] @ V[j]
                C += HV @ HV.conj().T
            S = Hm[k, k] @ V[k]
            U[k] = np.linalg.solve(herm(C), S)
            E = herm(np.eye(d) - U[k].conj().T @ S)
            W[k] = herm(np.linalg.inv(E))
        return U, W

    def precoders(self, U: np.ndarray, W: np.ndarray) -> np.ndarray:
        """The precoder update: each ``V_k`` solves its weighted MMSE problem on its budget."""
        Hm, a = self.H, self.a
        K, _, _, n_t = Hm.shape
        V_new = np.empty((K, n_t, self.d), dtype=complex)
        for k in range(K):
            J = np.zeros((n_t, n_t), dtype=complex)
            for j in range(K):
                T = Hm[j, k].conj().T @ U[j]
                J += a[j] * T @ W[j] @ T.conj().T
            B = a[k] * Hm[k, k].conj().T @ U[k] @ W[k]
            V_new[k] = _power_scaled_solve(J, B, self.P[k])
        return V_new


def _sum_rate_gradient(H: np.ndarray, V: np.ndarray, s2: np.ndarray, a: np.ndarray):
    """Gradient (``d/dRe + 1j d/dIm``) of ``sum_k a_k rate_k`` with respect to every ``V_m``."""
    K, _, n_r, _ = H.shape
    G = np.zeros_like(V, dtype=complex)
    for k in range(K):
        HV = [H[k, j] @ V[j] for j in range(K)]
        T = s2[k] * np.eye(n_r, dtype=complex) + sum(X @ X.conj().T for X in HV)
        C = T - HV[k] @ HV[k].conj().T
        Tinv = np.linalg.inv(herm(T))
        Cinv = np.linalg.inv(herm(C))
        for m in range(K):
            M = Tinv if m == k else Tinv - Cinv
            G[m] += 2 * a[k] * H[k, m].conj().T @ (M @ HV[m])
    return G


def _stationarity(H, V, s2, a, P) -> float:
    G = _sum_rate_gradient(H, V, s2, a)
    gap = 0.0
    for m in range(V.shape[0]):
        gap += np.sqrt(P[m]) * float(np.linalg.norm(G[m])) - float(np.real(np.vdot(G[m], V[m])))
    return float(max(0.0, gap))


def sum_rate_stationarity(H, V, power, noise, *, weights=None) -> float:
    """Frank-Wolfe gap of the weighted sum rate of a MIMO IC under per-user power budgets.

    For ``R(V) = sum_k a_k log det(I + H_kk V_k V_k^H H_kk^H C_k^{-1})`` (as in
    :func:`wmmse_sum_rate`) and the balls ``||V_k||_F^2 <= P_k`` returns

    ``max_{||Y_k||_F^2 <= P_k} sum_k Re<G_k, Y_k - V_k>
    = sum_k sqrt(P_k) ||G_k||_F - Re<G_k, V_k>``,

    with ``G_k = 2 dR/dV_k^*`` the gradient (library convention ``d/dRe + 1j d/dIm``),
    ``dR/dV_m^* = sum_k a_k H_km^H (T_k^{-1} - [m != k] C_k^{-1}) H_km V_m`` and
    ``T_k = C_k + H_kk V_k V_k^H H_kk^H``. The gap is >= 0 for feasible ``V``, zero exactly
    at a KKT point, and is the rate increase promised by the first-order model of ``R``
    (nats/s/Hz), so it is compared with the sum rate itself.

    Parameters
    ----------
    H : array_like, complex, shape (K, K, n_r, n_t)
    V : array_like, complex, shape (K, n_t, d)
        Precoders meeting the budgets.
    power, noise : float or array_like, shape (K,)
        Budgets ``P_k > 0`` and noise powers ``sigma_k^2 > 0``.
    weights : array_like, shape (K,), optional
        Rate weights ``a_k > 0`` (default ones).

    Returns
    -------
    float
        The gap (nats/s/Hz, >= 0).

    Raises
    ------
    ValueError
        For bad shapes, non-positive budgets, noise or weights, or ``V`` over budget.

    References
    ----------
    M. Jaggi, "Revisiting Frank-Wolfe: projection-free sparse convex optimization," ICML
    2013 (the gap); Shi et al. (2011), Thm. 3 (WMMSE limit points are KKT points).

    Examples
    --------
    One user, one antenna: full power is optimal, so the gap there is zero.

    >>> H = np.ones((1, 1, 1, 1), dtype=complex)
    >>> sum_rate_stationarity(H, np.ones((1, 1, 1)), 1.0, 1.0)
    0.0
    >>> round(sum_rate_stationarity(H, 0.5 * np.ones((1, 1, 1)), 1.0, 1.0), 6)  # 0.5 * 0.8
    0.4
    """
    Hm = as_array(H, "H", ndim=4, kind="complex")
    K, K2, _, n_t = Hm.shape
    if K2 != K or K < 1:
        raise ValueError(f"H must have shape (K, K, n_r, n_t), got {Hm.shape}")
    Vm = as_array(V, "V", ndim=3, kind="complex")
    if Vm.shape[:2] != (K, n_t):
        raise ValueError(f"V must have shape ({K}, {n_t}, d), got {Vm.shape}")
    P = np.broadcast_to(check_positive(power, "power"), (K,)).astype(float)
    s2 = np.broadcast_to(check_positive(noise, "noise"), (K,)).astype(float)
    a = np.ones(K) if weights is None else check_positive(weights, "weights")
    a = np.broadcast_to(a, (K,)).astype(float)
    if np.any(np.sum(np.abs(Vm) ** 2, axis=(1, 2)) > P * (1 + 1e-9)):
        raise ValueError("V must meet the power budgets tr(V_k V_k^H) <= P_k")
    return _stationarity(Hm, Vm, s2, a, P)
