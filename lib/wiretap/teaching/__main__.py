"""``python -m wiretap.teaching``: see :mod:`wiretap.teaching.cli`."""

import sys

from .cli import main

sys.exit(main())
