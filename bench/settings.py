"""The portal's own settings, with one change: the URLs add the benchmark's floor page.

Only the bench/ scripts use this module; the portal never does.
"""

from ssp.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
