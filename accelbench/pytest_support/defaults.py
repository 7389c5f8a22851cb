"""Defaults of the pytest plugin's options (below both the plugin and its helpers: no import circle)."""

from __future__ import annotations

#: Backends of the ``accel_backend`` parametrisation when ``--accel-backends`` is not given.
DEFAULT_BACKENDS = "cpu-numpy,cpu-torch,cpu-numba"
#: Sampling budget per measurement (seconds) when ``--accel-budget-s`` is not given.
DEFAULT_BUDGET_S = 0.5
