import numpy as np
import pytest

from wiretap import sim


def _draw(rng, mu=0.0, sigma=1.0):
    return {"x": rng.normal(mu, sigma), "pair": rng.normal(size=2)}


def test_shapes_and_statistics():
    res = sim.run_grid(_draw, {"mu": [0.0, 5.0], "sigma": [1.0, 2.0, 3.0]}, 400, rng=3)
    assert res.shape == (2, 3)
    assert res.data["x"].shape == (2, 3, 400)
    assert res.data["pair"].shape == (2, 3, 400, 2)
    m = res.mean("x")
    assert m.shape == (2, 3)
    assert np.all(np.abs(m[0]) < 4 * res.sem("x")[0])
    assert np.all(np.abs(m[1] - 5.0) < 4 * res.sem("x")[1])
    assert res.elapsed >= 0 and res.trials == 400
    with pytest.raises(ValueError, match="name must be one of"):
        res.mean("y")


def test_reproducible_and_independent_of_workers():
    grid = {"mu": [0.0, 1.0, 2.0]}
    a = sim.run_grid(_draw, grid, 8, rng=np.random.default_rng(9))
    b = sim.run_grid(_draw, grid, 8, rng=np.random.default_rng(9), n_jobs=2)
    c = sim.run_grid(_draw, grid, 8, rng=np.random.default_rng(9), backend="threading")
    np.testing.assert_array_equal(a.data["x"], b.data["x"])
    np.testing.assert_array_equal(a.data["x"], c.data["x"])
    assert a.entropy == b.entropy


def test_common_random_numbers():
    grid = {"mu": [0.0, 10.0]}
    crn = sim.run_grid(_draw, grid, 5, rng=1)
    # same noise at every grid point: the difference is exactly the shift in mu
    np.testing.assert_allclose(crn.data["x"][1] - crn.data["x"][0], 10.0)
    ind = sim.run_grid(_draw, grid, 5, rng=1, common_random_numbers=False)
    assert not np.allclose(ind.data["x"][1] - ind.data["x"][0], 10.0)


def test_scalar_output_and_no_grid():
    res = sim.run_grid(lambda rng: rng.uniform(), None, 10, rng=0)
    assert res.shape == () and res.data["value"].shape == (10,)
    assert res.sem().shape == ()
    one = sim.run_grid(lambda rng: 1.0, {}, 1, rng=0)
    assert one.sem() == 0.0


def test_progress_bar_runs(capsys):
    res = sim.run_grid(lambda rng, a: a, {"a": [1, 2]}, 2, rng=0, progress=True)
    np.testing.assert_array_equal(res.mean(), [1.0, 2.0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fn": 3}, "fn must be callable"),
        ({"trials": 0}, "trials must be >= 1"),
        ({"grid": {"a": []}}, r"grid\['a'\] must be a non-empty"),
        ({"grid": {"a": [[1, 2]]}}, r"grid\['a'\] must be a non-empty 1-D"),
        ({"n_jobs": 0}, "n_jobs must be >= 1 or -1"),
        ({"rng": None}, "rng must be"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"fn": lambda rng, a: a, "grid": {"a": [1]}, "trials": 2, "rng": 0, **kwargs}
    with pytest.raises(ValueError, match=match):
        sim.run_grid(**args)


def test_inconsistent_outputs_are_rejected():
    def changing(rng, a):
        return {"x": 1.0} if a == 0 else {"y": 1.0}

    with pytest.raises(ValueError, match="fn returned outputs"):
        sim.run_grid(changing, {"a": [0, 1]}, 1, rng=0)

    def reshaping(rng, a):
        return np.zeros(a + 1)

    with pytest.raises(ValueError, match="changed shape"):
        sim.run_grid(reshaping, {"a": [0, 1]}, 1, rng=0)


def test_scale(monkeypatch):
    monkeypatch.setenv("WIRETAP_SCALE", "paper")
    assert sim.scale() == "paper" and sim.pick(quick=1, paper=2) == 2
    monkeypatch.setenv("WIRETAP_SCALE", "quick")
    assert sim.pick(quick=1, paper=2) == 1
    monkeypatch.delenv("WIRETAP_SCALE")
    assert sim.scale() == "quick"
    monkeypatch.setenv("WIRETAP_SCALE", "huge")
    with pytest.raises(ValueError, match="WIRETAP_SCALE must be one of"):
        sim.scale()


def test_dask_cluster_matches_serial_bit_for_bit(monkeypatch):
    distributed = pytest.importorskip("distributed")
    grid = {"mu": [0.0, 1.0, 2.0], "sigma": [1.0, 3.0]}
    serial = sim.run_grid(_draw, grid, 6, rng=np.random.default_rng(4))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        by_arg = sim.run_grid(_draw, grid, 6, rng=np.random.default_rng(4), backend="dask")
        monkeypatch.setenv("WIRETAP_BACKEND", "dask")
        by_env = sim.run_grid(_draw, grid, 6, rng=np.random.default_rng(4))
    by_address = None
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        monkeypatch.setenv("WIRETAP_DASK_SCHEDULER", cluster.scheduler_address)
        by_address = sim.run_grid(_draw, grid, 6, rng=np.random.default_rng(4))
    for res in (by_arg, by_env, by_address):
        for name in ("x", "pair"):
            np.testing.assert_array_equal(res.data[name], serial.data[name])
        assert res.entropy == serial.entropy


def test_dask_without_cluster_is_a_clear_error(monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.delenv("WIRETAP_DASK_SCHEDULER", raising=False)
    with pytest.raises(ValueError, match="needs a scheduler address"):
        sim.run_grid(_draw, {"mu": [0.0]}, 1, rng=0, backend="dask")


def test_backend_choice(monkeypatch):
    monkeypatch.setenv("WIRETAP_BACKEND", "cluster")
    with pytest.raises(ValueError, match="WIRETAP_BACKEND must be one of"):
        sim.run_grid(_draw, {"mu": [0.0]}, 1, rng=0)
    monkeypatch.setenv("WIRETAP_BACKEND", "threading")
    a = sim.run_grid(_draw, {"mu": [0.0, 1.0]}, 3, rng=5)
    monkeypatch.delenv("WIRETAP_BACKEND")
    b = sim.run_grid(_draw, {"mu": [0.0, 1.0]}, 3, rng=5, backend="serial")
    np.testing.assert_array_equal(a.data["x"], b.data["x"])
    with pytest.raises(ValueError, match="backend must be one of"):
        sim.run_grid(_draw, {"mu": [0.0]}, 1, rng=0, backend="spark")
    with pytest.raises(ValueError, match="scheduler is only used with backend='dask'"):
        sim.run_grid(_draw, {"mu": [0.0]}, 1, rng=0, scheduler="tcp://127.0.0.1:1")


def test_progress_is_automatic(monkeypatch):
    monkeypatch.setenv("WIRETAP_BUILD", "1")
    monkeypatch.delenv("WIRETAP_PROGRESS", raising=False)
    assert sim._show_progress(None) is False
    monkeypatch.delenv("WIRETAP_BUILD")
    assert sim._show_progress(None) is True
    monkeypatch.setenv("WIRETAP_PROGRESS", "0")
    assert sim._show_progress(None) is False
    assert sim._show_progress(True) is True
