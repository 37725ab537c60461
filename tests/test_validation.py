import numpy as np
import pytest

from wiretap import _validation as v


def test_as_array_kinds():
    assert v.as_array([1, 2], "x").dtype == np.float64
    assert v.as_array([1, 2], "x", kind="complex").dtype == np.complex128
    assert v.as_array([1.0, 2.0], "x", kind="int").dtype == np.int64
    with pytest.raises(ValueError, match="x must be integer-valued"):
        v.as_array([1.5], "x", kind="int")
    with pytest.raises(ValueError, match="x must be real-valued"):
        v.as_array([1j], "x")
    with pytest.raises(ValueError, match="kind"):
        v.as_array([1], "x", kind="quaternion")
    with pytest.raises(TypeError, match="x must be numeric"):
        v.as_array(["a"], "x")


def test_as_array_shape_checks():
    with pytest.raises(ValueError, match=r"x must have 2 dimension"):
        v.as_array([1, 2], "x", ndim=2)
    with pytest.raises(ValueError, match=r"x must have shape \(\*, 3\)"):
        v.as_array(np.zeros((2, 2)), "x", shape=(None, 3))
    assert v.as_array(np.zeros((2, 3)), "x", shape=(None, 3)).shape == (2, 3)
    with pytest.raises(ValueError, match="finite"):
        v.as_array([np.nan], "x")
    assert np.isnan(v.as_array([np.nan], "x", finite=False)[0])


def test_scalar_checks():
    assert v.check_int(3, "n", minimum=1) == 3
    for bad in (True, 2.0, "3"):
        with pytest.raises(ValueError, match="n must be an integer"):
            v.check_int(bad, "n")
    with pytest.raises(ValueError, match="n must be >= 1"):
        v.check_int(0, "n", minimum=1)
    with pytest.raises(ValueError, match="n must be <= 4"):
        v.check_int(5, "n", maximum=4)
    with pytest.raises(ValueError, match="p must lie in"):
        v.check_probability(1.5, "p")
    with pytest.raises(ValueError, match=r"t must lie in \(0"):
        v.check_range(0.0, "t", 0.0, 1.0, low_open=True)
    with pytest.raises(ValueError, match=r"t must lie in \[0"):
        v.check_range(1.0, "t", 0.0, 1.0, high_open=True)
    with pytest.raises(ValueError, match="mode must be one of"):
        v.check_choice("c", "mode", ("a", "b"))
    with pytest.raises(ValueError, match="an array with min"):
        v.check_positive([1.0, -1.0], "w")


def test_as_generator():
    g = np.random.default_rng(0)
    assert v.as_generator(g) is g
    a = v.as_generator(5).standard_normal(3)
    b = np.random.default_rng(5).standard_normal(3)
    np.testing.assert_array_equal(a, b)
    for bad in (None, -1, 1.5, np.random.RandomState(0), True):
        with pytest.raises(ValueError, match=r"rng must be a numpy\.random\.Generator"):
            v.as_generator(bad)
