# Kernels for tests and builds keep no history database (many kernels run at once).
c = get_config()  # noqa: F821
c.HistoryManager.enabled = False
# Figures: `make` exports MPLBACKEND=Agg, which would leave plot cells without any image in the
# built pages; the inline backend renders them (and is what a reader's Jupyter uses anyway).
c.IPKernelApp.matplotlib = "inline"
