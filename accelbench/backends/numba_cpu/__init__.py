"""Hand-written Numba CPU kernels (imported only by the cpu-numba backend).

Importing the package puts OpenMP first in Numba's threading-layer priority (``omp``, then
``tbb``, then ``workqueue``) unless the user chose a layer (``NUMBA_THREADING_LAYER`` or
``NUMBA_THREADING_LAYER_PRIORITY``) or the pool is already running. Measured side by side on a
2-core AVX-512 host, a 256^3 GEMM with 2 threads ran no faster than with 1 on the ``tbb`` and
``workqueue`` layers and about 1.9x faster on ``omp`` (its workers spin briefly before sleeping,
so a parallel region of ~100 us starts at once). The layer used is recorded with every result.
"""

from __future__ import annotations

import os
from typing import Any


def _prefer_openmp() -> None:
    if "NUMBA_THREADING_LAYER" in os.environ or "NUMBA_THREADING_LAYER_PRIORITY" in os.environ:
        return
    import numba

    config: Any = numba.config  # attributes set at import time, invisible to mypy
    if str(config.THREADING_LAYER).lower() == "default":
        config.THREADING_LAYER_PRIORITY = ["omp", "tbb", "workqueue"]


_prefer_openmp()
