import numpy as np
import pytest

from wiretap import channels as ch


def test_path_loss():
    assert float(ch.path_loss_db(10.0, 3.0)) == pytest.approx(30.0)
    assert float(ch.path_loss_db(100.0, 2.0, ref_loss_db=30.0, ref_distance=10.0)) == pytest.approx(
        50.0
    )
    d = np.array([1.0, 10.0, 100.0])
    np.testing.assert_allclose(ch.path_gain(d, 2.0), [1.0, 1e-2, 1e-4])


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"distance": 0.0, "exponent": 2.0}, "distance"),
        ({"distance": 1.0, "exponent": -2.0}, "exponent"),
        ({"distance": 1.0, "exponent": 2.0, "ref_distance": 0.0}, "ref_distance"),
        ({"distance": 1.0, "exponent": 2.0, "ref_loss_db": [1.0, 2.0]}, "ref_loss_db"),
    ],
)
def test_path_loss_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ch.path_loss_db(**kwargs)


def test_ula_steering_values_and_shapes():
    a = ch.ula_steering(8, np.pi / 6)  # sin(30 deg) = 1/2 -> phase step pi/2
    np.testing.assert_allclose(a, np.exp(1j * np.pi / 2 * np.arange(8)), atol=1e-12)
    b = ch.ula_steering(8, np.pi / 3, convention="cos")  # cos(60 deg) = 1/2
    np.testing.assert_allclose(b, a, atol=1e-12)
    A = ch.ula_steering(5, np.zeros((3, 2)), normalize=True)
    assert A.shape == (3, 2, 5)
    np.testing.assert_allclose(np.linalg.norm(A, axis=-1), 1.0)


def test_ula_steering_derivative_matches_finite_difference(rng):
    for conv in ("sin", "cos"):
        theta = rng.uniform(-1.2, 1.2, size=4)
        h = 1e-6
        fd = (
            ch.ula_steering(6, theta + h, convention=conv)
            - ch.ula_steering(6, theta - h, convention=conv)
        ) / (2 * h)
        np.testing.assert_allclose(
            ch.ula_steering_derivative(6, theta, convention=conv), fd, atol=1e-7
        )


@pytest.mark.parametrize(
    ("args", "kwargs", "name"),
    [
        ((0, 0.1), {}, "n"),
        ((4, 0.1), {"spacing": 0.0}, "spacing"),
        ((4, 0.1), {"convention": "tan"}, "convention"),
        ((4, 1j), {}, "angle"),
    ],
)
def test_ula_bad_input(args, kwargs, name):
    with pytest.raises(ValueError, match=name):
        ch.ula_steering(*args, **kwargs)


def test_complex_gaussian_statistics():
    z = ch.complex_gaussian((200_000,), 7, variance=2.0)
    assert abs(np.mean(np.abs(z) ** 2) - 2.0) < 0.03
    assert abs(np.var(z.real) - 1.0) < 0.02
    assert abs(np.mean(z.real * z.imag)) < 0.01
    # reproducible from the seed
    np.testing.assert_array_equal(
        ch.complex_gaussian(3, np.random.default_rng(1)),
        ch.complex_gaussian(3, np.random.default_rng(1)),
    )
    assert ch.rayleigh_channel((2, 3), 0).shape == (2, 3)


def test_complex_gaussian_bad_input():
    with pytest.raises(ValueError, match="variance"):
        ch.complex_gaussian(3, 0, variance=-1.0)
    with pytest.raises(ValueError, match="shape"):
        ch.complex_gaussian((2, -1), 0)
    with pytest.raises(ValueError, match="shape"):
        ch.complex_gaussian(2.5, 0)
    with pytest.raises(ValueError, match="rng"):
        ch.complex_gaussian(3, None)


def test_rician_mean_and_power():
    los = ch.ula_steering(4, 0.3)
    K, beta = 3.0, 0.5
    h = ch.rician_channel(los, K, 11, size=100_000, variance=beta)
    assert h.shape == (100_000, 4)
    np.testing.assert_allclose(h.mean(axis=0), np.sqrt(beta * K / (K + 1)) * los, atol=0.01)
    np.testing.assert_allclose(np.mean(np.abs(h) ** 2, axis=0), beta, rtol=0.02)
    # K = 0 is Rayleigh: zero mean
    h0 = ch.rician_channel(los, 0.0, 12, size=50_000)
    assert np.abs(h0.mean(axis=0)).max() < 0.02


def test_rician_bad_input():
    with pytest.raises(ValueError, match="k_factor"):
        ch.rician_channel(np.ones(3), -1.0, 0)
    with pytest.raises(ValueError, match="variance"):
        ch.rician_channel(np.ones(3), 1.0, 0, variance=-1.0)
    with pytest.raises(ValueError, match="los"):
        ch.rician_channel([np.nan, 1.0], 1.0, 0)


def test_geometry():
    assert float(ch.distance([0, 0], [3, 4])) == pytest.approx(5.0)
    np.testing.assert_allclose(ch.distance(np.zeros((2, 3)), [[1, 2, 2]]), [3.0, 3.0])
    with pytest.raises(ValueError, match="coordinate dimension"):
        ch.distance([0, 0], [0, 0, 0])
    assert float(ch.angle_of_arrival([0, 0], [0, 2])) == pytest.approx(np.pi / 2)
    assert float(ch.angle_of_arrival([1, 1], [0, 1])) == pytest.approx(np.pi)
    with pytest.raises(ValueError, match="2-D points"):
        ch.angle_of_arrival([0, 0, 0], [1, 1, 1])
    p = ch.polar_to_cartesian([1.0, 2.0], np.pi / 2, center=(1.0, 0.0))
    np.testing.assert_allclose(p, [[1.0, 1.0], [1.0, 2.0]], atol=1e-12)
    with pytest.raises(ValueError, match="radius"):
        ch.polar_to_cartesian(-1.0, 0.0)
    with pytest.raises(ValueError, match="center"):
        ch.polar_to_cartesian(1.0, 0.0, center=(0.0, 0.0, 0.0))


def test_uniform_in_disk():
    pts = ch.uniform_in_disk(20_000, 10.0, 3, center=(5.0, -5.0), min_radius=2.0)
    r = np.linalg.norm(pts - [5.0, -5.0], axis=1)
    assert pts.shape == (20_000, 2)
    assert r.min() >= 2.0 and r.max() <= 10.0
    # uniform by area: P(r <= 6) = (36 - 4) / (100 - 4)
    assert abs(np.mean(r <= 6.0) - 32 / 96) < 0.015
    assert ch.uniform_in_disk(0, 1.0, 0).shape == (0, 2)
    with pytest.raises(ValueError, match="min_radius must be < radius"):
        ch.uniform_in_disk(3, 1.0, 0, min_radius=1.0)
    with pytest.raises(ValueError, match="n must be"):
        ch.uniform_in_disk(-1, 1.0, 0)
