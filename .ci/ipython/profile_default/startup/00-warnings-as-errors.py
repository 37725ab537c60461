# Loaded by every kernel started by `make test` and `make book` (IPYTHONDIR points here).
# Deprecation and future warnings raised in chapter code (__main__) or in the wiretap
# package become errors, so they fail the run instead of being printed into a page.
import warnings

for _category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
    warnings.filterwarnings("error", category=_category, module=r"(__main__|wiretap)(\..*)?$")
del _category
