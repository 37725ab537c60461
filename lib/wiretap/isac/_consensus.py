"""Consensus bookkeeping of Algorithm 2: selection maps, the controller's averaging, overhead.

:func:`global_update` is the central controller's least-squares averaging (eqs.
(140)-(143)) over the selection maps of :func:`wiretap.isac.consensus_maps`; :func:`centers`
gives the points the agents' penalties pull toward.

The averaging is the general-form consensus step of :func:`wiretap.admm.consensus_admm`
(overlapping selectors, least-squares ``z``) with one penalty per block of copies; with a
constant penalty both take the same iterates (``tests/test_isac_foundations.py``, 1e-10).
"""

from __future__ import annotations

import numpy as np

__all__ = ["RHO", "apply", "centers", "global_update"]


RHO = {"e": 0, "t": 1, "u": 2, "V": 3}


def _mat(maps, key):
    return maps["e"] if key in ("e", "t") else maps[key]


def apply(maps, m, z) -> dict:
    """BS ``m``'s view ``E_m z`` of the global vectors, per block (``e, t, u`` per stage)."""
    out = {}
    for key in ("e", "t", "u"):
        A = _mat(maps, key)[m]
        out[key] = np.stack([A @ z[key][i] for i in range(2)])
    out["V"] = maps["V"][m] @ z["V"]
    return out


def centers(maps, m, z, lam_m, rho) -> dict:
    """``E_m z - lambda_m / rho``: the points BS ``m``'s penalty pulls its copies toward."""
    Ez = apply(maps, m, z)
    return {key: Ez[key] - lam_m[key] / rho[RHO[key]] for key in Ez}


def global_update(maps, x, lam, rho) -> dict:
    """Eqs. (140)-(143): least-squares averaging at the central controller."""
    z = {}
    M = len(x)
    for key in ("e", "t", "u"):
        A = _mat(maps, key)
        G = sum(A[m].T @ A[m] for m in range(M))
        z[key] = np.stack(
            [
                np.linalg.solve(
                    G,
                    sum(
                        A[m].T @ (np.asarray(x[m][key][i]) + lam[m][key][i] / rho[RHO[key]])
                        for m in range(M)
                    ),
                )
                for i in range(2)
            ]
        )
    A = maps["V"]
    G = sum(A[m].T @ A[m] for m in range(M))
    z["V"] = np.linalg.solve(
        G, sum(A[m].T @ (np.asarray(x[m]["V"]) + lam[m]["V"] / rho[3]) for m in range(M))
    )
    return z
