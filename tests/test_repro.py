import json

import pytest

from wiretap import repro


def test_compare_writes_and_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("WIRETAP_REPRO_DIR", str(tmp_path))
    monkeypatch.setenv("WIRETAP_SCALE", "paper")
    c = repro.compare(
        "smallcell",
        "Fig. 3a",
        [("rate (bits/s/Hz)", "about 1.35", 1.3456789), ("iterations", 15, 12, "same trend")],
        seed=7,
        elapsed=1.5,
    )
    assert c.rows[0].ours == "1.346" and c.rows[1].paper == "15"
    assert c.scale == "paper"
    data = json.loads((tmp_path / "smallcell__fig-3a.json").read_text())
    assert data["seed"] == 7 and data["rows"][1]["note"] == "same trend"
    loaded = repro.load_all(tmp_path)
    assert len(loaded) == 1 and loaded[0].rows == c.rows
    html = c._repr_html_()
    assert "<table" in html and "seed 7" in html and "1.5 s" in html
    assert "Fig. 3a" in repr(c)


def test_repro_dir_discovery(tmp_path, monkeypatch):
    monkeypatch.delenv("WIRETAP_REPRO_DIR", raising=False)
    (tmp_path / "_toc.yml").write_text("root: x\n")
    sub = tmp_path / "book" / "part"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert repro.repro_dir() == tmp_path / "_build" / "repro"
    monkeypatch.chdir(tmp_path.parent)
    # no _toc.yml above: nothing is written, the table is still returned
    c = repro.compare("aauc", "Fig. 2b", [("lambda", 0.64, 0.65)])
    assert c.path is None or "_toc" not in c.path
    assert repro.load_all(tmp_path / "missing") == []


def test_compare_without_writing(tmp_path, monkeypatch):
    monkeypatch.setenv("WIRETAP_REPRO_DIR", str(tmp_path))
    c = repro.compare("isac", "Fig. 4", [("power (dBm)", "-", 3.0)], write=False)
    assert c.path is None and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (("Small Cell", "Fig. 1", [("a", 1, 2)]), {}, "part must be"),
        (("isac", " ", [("a", 1, 2)]), {}, "figure must be"),
        (("isac", "Fig. 1", []), {}, "rows must not be empty"),
        (("isac", "Fig. 1", [("a", 1)]), {}, r"rows\[0\] must be a tuple"),
        (("isac", "Fig. 1", [("a", 1, [2])]), {}, "row values must be"),
        (("isac", "Fig. 1", [("a", 1, 2)]), {"elapsed": -1.0}, "elapsed"),
    ],
)
def test_bad_input(args, kwargs, match, tmp_path, monkeypatch):
    monkeypatch.setenv("WIRETAP_REPRO_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=match):
        repro.compare(*args, **kwargs)
