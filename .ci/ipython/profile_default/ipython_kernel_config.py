# Kernels for tests and builds keep no history database (many kernels run at once).
c = get_config()  # noqa: F821
c.HistoryManager.enabled = False
# Figures: an inherited MPLBACKEND=Agg (common on headless machines) would leave plot cells
# without any image in the built pages; the inline backend renders them (and is what a
# reader's Jupyter uses anyway).
c.IPKernelApp.matplotlib = "inline"
# One BLAS thread per kernel: on 2 shared cores, OpenBLAS's default thread pool made small
# linear-algebra calls (solve_triangular, eigh on 3x3) 10-100x slower under load. Set before
# numpy is imported; an explicit setting in the environment still wins.
import os  # noqa: E402

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
