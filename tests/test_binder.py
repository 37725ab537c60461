"""Binder's reader environment (binder/) stays in step with the build stack."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def test_binder_pins_match_the_build_stack():
    build, reader = _pins(ROOT / "requirements.txt"), _pins(ROOT / "binder" / "requirements.txt")
    assert reader, "binder/requirements.txt pins nothing"
    for name, version in reader.items():
        assert build.get(name) == version, f"{name}: binder {version}, build {build.get(name)}"
    for tool in ("jupyter-book", "pytest", "ruff", "playwright", "sphinx"):
        assert tool not in reader, f"{tool} is a build tool, not a reader's"


def test_binder_installs_the_library_and_python_version():
    post = (ROOT / "binder" / "postBuild").read_text()
    assert post.startswith("#!/bin/bash") and "set -e" in post
    assert "pip install --no-deps -e ." in post
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    assert not (ROOT / ".binder").exists() and not (ROOT / "postBuild").exists()
