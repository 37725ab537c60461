"""The package imports lazily: ``import wiretap`` loads neither cvxpy nor matplotlib."""

import subprocess
import sys

import pytest

import wiretap


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_import_is_light():
    loaded = _modules_after("import wiretap")
    assert "cvxpy" not in loaded and "matplotlib" not in loaded and "scipy" not in loaded


def test_submodules_load_on_first_use():
    loaded = _modules_after("import wiretap\nwiretap.convex")
    assert "cvxpy" in loaded and "matplotlib" not in loaded
    loaded = _modules_after("from wiretap import plotting")
    assert "matplotlib" in loaded


def test_every_submodule_is_reachable():
    for name in wiretap._SUBMODULES:
        assert getattr(wiretap, name).__name__ == f"wiretap.{name}"
        assert name in dir(wiretap)
    with pytest.raises(AttributeError, match="no_such_thing"):
        wiretap.no_such_thing  # noqa: B018
