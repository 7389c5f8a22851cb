"""Find the data directories accelbench reads (kernels/, hls/, workloads/, reports/).

They live at the top of a checkout and are force-included into the wheel under
``accelbench/_data/``. One function resolves them so a checkout, an editable install and a wheel
install all behave the same.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIRS = ("kernels", "hls", "workloads", "reports")

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory ``name`` (one of :data:`DATA_DIRS`), wherever accelbench is installed."""
    if name not in DATA_DIRS:
        raise ValueError(f"unknown data directory {name!r}; expected one of {', '.join(DATA_DIRS)}")
    shipped = _PACKAGE_DIR / "_data" / name
    if shipped.is_dir():
        return shipped
    checkout = _PACKAGE_DIR.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"accelbench data directory {name!r} not found (looked in {shipped} and {checkout})"
    )
