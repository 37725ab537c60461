import numpy as np
import pytest

from wiretap import units


def test_db_roundtrip(rng):
    x = rng.uniform(1e-6, 1e6, size=50)
    np.testing.assert_allclose(units.db_to_lin(units.lin_to_db(x)), x, rtol=1e-12)


def test_known_values():
    assert float(units.dbm_to_watt(30.0)) == pytest.approx(1.0)
    assert float(units.dbm_to_watt(0.0)) == pytest.approx(1e-3)
    assert float(units.watt_to_dbm(1.0)) == pytest.approx(30.0)
    assert float(units.dbw_to_watt(-30.0)) == pytest.approx(1e-3)
    assert float(units.watt_to_dbw(10.0)) == pytest.approx(10.0)
    assert float(units.lin_to_db(100.0)) == pytest.approx(20.0)
    # -110 dBm of noise is 1e-14 W
    assert float(units.dbm_to_watt(-110.0)) == pytest.approx(1e-14)


def test_bits_nats():
    assert float(units.nats_to_bits(units.LN2)) == pytest.approx(1.0)
    assert float(units.bits_to_nats(2.0)) == pytest.approx(2 * np.log(2))


@pytest.mark.parametrize(
    ("fn", "arg", "name"),
    [
        (units.lin_to_db, 0.0, "x"),
        (units.lin_to_db, -1.0, "x"),
        (units.watt_to_dbm, [1.0, -2.0], "p_watt"),
        (units.watt_to_dbw, 0.0, "p_watt"),
        (units.db_to_lin, np.nan, "x_db"),
        (units.dbm_to_watt, 1 + 1j, "p_dbm"),
        (units.nats_to_bits, np.inf, "r_nats"),
        (units.bits_to_nats, "a", "r_bits"),
    ],
)
def test_bad_input(fn, arg, name):
    with pytest.raises((ValueError, TypeError), match=name):
        fn(arg)
