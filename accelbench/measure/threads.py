"""Intra-op threads of the CPU libraries: what a measurement used, and ``--threads N``.

Read from process-wide state, and only for libraries the process has already imported (checked
in ``sys.modules``): recording never imports torch or numba, and never launches Numba's thread
pool. Libraries: PyTorch (``torch.get_num_threads``), BLAS/OpenMP pools found by threadpoolctl
(OpenBLAS, MKL, BLIS, libgomp...), Numba (``numba.get_num_threads`` and its threading layer).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any


def _numba_state(numba: Any) -> dict[str, Any]:
    try:
        from numba.np.ufunc import parallel
    except ImportError:
        return {}
    if not getattr(parallel, "_is_initialized", False):
        # Pool not launched yet: report what it will use without launching it.
        return {"numba": int(numba.config.NUMBA_NUM_THREADS), "numba_layer": "not launched"}
    try:
        layer = str(numba.threading_layer())
    except ValueError:
        layer = "unknown"
    return {"numba": int(numba.get_num_threads()), "numba_layer": layer}


def _pools() -> list[dict[str, Any]]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return list(threadpool_info())


def current() -> dict[str, Any]:
    """Intra-op thread counts of the libraries loaded in this process, e.g.
    ``{"torch": 2, "blas": 2, "blas_library": "openblas", "numba": 2, "numba_layer": "omp"}``."""
    out: dict[str, Any] = {}
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "get_num_threads"):
        out["torch"] = int(torch.get_num_threads())
    if "numpy" in sys.modules or torch is not None:
        for pool in _pools():
            api = str(pool.get("user_api", ""))
            if api == "blas" and "blas" not in out:
                out["blas"] = int(pool.get("num_threads", 0))
                out["blas_library"] = str(pool.get("internal_api", ""))
            elif api == "openmp" and "openmp" not in out:
                out["openmp"] = int(pool.get("num_threads", 0))
    numba = sys.modules.get("numba")
    if numba is not None and hasattr(numba, "config"):
        out.update(_numba_state(numba))
    return out


def threads_used(recorded: dict[str, Any] | None) -> int:
    """The largest intra-op thread count recorded (1 when none is known)."""
    counts = [v for k, v in (recorded or {}).items()
              if isinstance(v, int) and not isinstance(v, bool) and k in ("torch", "blas", "numba", "openmp")]
    return max(counts, default=1)


#: Environment variables read by OpenMP/BLAS/Numba when they are first loaded.
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def set_environment(n: int) -> None:
    """Make libraries that are not loaded yet start with ``n`` threads (call before importing them).

    Used by ``--threads`` in the CLI process and in worker processes; libraries already loaded
    are limited by :func:`limited`.
    """
    for name in THREAD_ENV:
        os.environ[name] = str(n)
    os.environ["ACCELBENCH_THREADS"] = str(n)  # read by lowerings that size a pool at prepare (ONNX Runtime)


@contextlib.contextmanager
def limited(n: int | None) -> Iterator[None]:
    """Limit every loaded library to ``n`` intra-op threads for the block (``None``: no change).

    Numba cannot go above the pool size it launched with (``NUMBA_NUM_THREADS``): it is capped there.
    Call it once the backend has imported its libraries (after ``prepare``).
    """
    if n is None:
        yield
        return
    with contextlib.ExitStack() as stack:
        numba = sys.modules.get("numba")
        if numba is not None and hasattr(numba, "set_num_threads"):
            # Launches Numba's pool if it is not running yet (it would launch at the first
            # parallel call anyway); the mask then keeps parallel regions to ``n`` threads. First:
            # launching Numba's OpenMP pool resets OpenMP's thread count, which torch shares.
            before_numba = int(numba.get_num_threads())
            numba.set_num_threads(min(n, int(numba.config.NUMBA_NUM_THREADS)))
            stack.callback(numba.set_num_threads, before_numba)
        torch = sys.modules.get("torch")
        if torch is not None and hasattr(torch, "set_num_threads"):
            before = int(torch.get_num_threads())
            torch.set_num_threads(n)
            stack.callback(torch.set_num_threads, before)
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            pass
        else:
            stack.enter_context(threadpool_limits(limits=n))
        yield
