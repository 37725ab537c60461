"""Unit conversions: decibels, dBm, watts, and bits versus nats.

The book measures power in watts (W) internally, quotes it in dBm or dB where the papers
do, and reports rates in bits/s/Hz. All functions accept scalars or arrays and return
``float`` arrays (0-d for scalar input; use ``float(...)`` to get a Python float).

Examples
--------
>>> from wiretap import units
>>> float(units.dbm_to_watt(30.0))
1.0
>>> float(units.watt_to_dbm(1e-3))
0.0
>>> round(float(units.db_to_lin(3.0)), 4)
1.9953
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, check_positive

__all__ = [
    "LN2",
    "bits_to_nats",
    "db_to_lin",
    "dbm_to_watt",
    "dbw_to_watt",
    "lin_to_db",
    "nats_to_bits",
    "watt_to_dbm",
    "watt_to_dbw",
]

LN2 = float(np.log(2.0))
"""The natural logarithm of 2; one bit equals ``LN2`` nats."""


def db_to_lin(x_db) -> np.ndarray:
    """Convert a power ratio from decibels to linear scale, ``10**(x_db / 10)``.

    Parameters
    ----------
    x_db : array_like
        Power ratio in dB.

    Returns
    -------
    ndarray
        Linear power ratio (dimensionless), same shape as ``x_db``.
    """
    return 10.0 ** (as_array(x_db, "x_db") / 10.0)


def lin_to_db(x) -> np.ndarray:
    """Convert a linear power ratio to decibels, ``10 log10(x)``.

    Raises
    ------
    ValueError
        If any entry of ``x`` is not strictly positive.
    """
    return 10.0 * np.log10(check_positive(x, "x"))


def dbm_to_watt(p_dbm) -> np.ndarray:
    """Convert power from dBm to watts: ``1e-3 * 10**(p_dbm / 10)``."""
    return 1e-3 * db_to_lin(as_array(p_dbm, "p_dbm"))


def watt_to_dbm(p_watt) -> np.ndarray:
    """Convert power from watts to dBm: ``10 log10(p_watt / 1 mW)``."""
    return 10.0 * np.log10(check_positive(p_watt, "p_watt") / 1e-3)


def dbw_to_watt(p_dbw) -> np.ndarray:
    """Convert power from dBW to watts: ``10**(p_dbw / 10)``."""
    return db_to_lin(as_array(p_dbw, "p_dbw"))


def watt_to_dbw(p_watt) -> np.ndarray:
    """Convert power from watts to dBW: ``10 log10(p_watt / 1 W)``."""
    return 10.0 * np.log10(check_positive(p_watt, "p_watt"))


def nats_to_bits(r_nats) -> np.ndarray:
    """Convert a rate from nats/s/Hz (natural log) to bits/s/Hz (log base 2)."""
    return as_array(r_nats, "r_nats") / LN2


def bits_to_nats(r_bits) -> np.ndarray:
    """Convert a rate from bits/s/Hz to nats/s/Hz."""
    return as_array(r_bits, "r_bits") * LN2
