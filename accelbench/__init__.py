"""accelbench: compare CPU, GPU and FPGA lowerings of one workload with one methodology.

Importing this package is cheap: no framework (torch, numba, cupy, hls4ml) is imported until a
backend that needs it is used.
"""

from __future__ import annotations

from accelbench.errors import UserError

__version__ = "0.1.0"

__all__ = ["UserError", "__version__"]
