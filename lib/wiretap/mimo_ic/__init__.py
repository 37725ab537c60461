"""Distributed robust artificial-noise precoding for wiretap MIMO interference channels.
"""
from .model import *  # noqa: F401,F403
from .wmmse_steps import *  # noqa: F401,F403
from .robust import *  # noqa: F401,F403
from .adp import *  # noqa: F401,F403
