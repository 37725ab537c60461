"""Regression tests for .ci/ipython, the kernel profile of tests and builds.

* With MPLBACKEND=Agg inherited from the environment and no inline backend configured in the
  kernel profile, plot cells produce no image and the built pages show no figures.
* OpenBLAS's default thread pool made small linear-algebra calls 10-100x slower on the shared
  2-core machine; kernels run with one BLAS thread.

Both found while writing the Foundations chapters.
"""

import os
from pathlib import Path

import nbclient
import nbformat

ROOT = Path(__file__).resolve().parent.parent


def test_plot_cell_outputs_a_png(monkeypatch):
    monkeypatch.setenv("IPYTHONDIR", str(ROOT / ".ci" / "ipython"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "from wiretap import plotting\nfig, ax = plotting.figure()\nax.plot([0, 1], [1, 0]);"
        )
    )
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120).execute(cwd=os.fspath(ROOT))
    kinds = [set(o.get("data", {})) for o in nb.cells[0].outputs]
    assert any("image/png" in k for k in kinds), nb.cells[0].outputs
