"""The portal's own settings, with one change: the URLs add the benchmark's floor page.

Only bench/triage_queue.py uses this module; the portal never does.
"""

from ssp.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
