# Kernels for tests and builds keep no history database (many kernels run at once).
c = get_config()  # noqa: F821
c.HistoryManager.enabled = False
