"""``--data``: the user's inputs (and labels) for correctness checks and accuracy.

A ``.npz`` file with an array ``x`` (inputs, batch first) and optionally ``y`` (integer class
labels, or targets for regression), or a directory holding ``x.npy`` (and ``y.npy``). Checked
before anything runs: ``x`` must be finite, numeric and match the model's input shape; ``y`` must
have one row per row of ``x``. ``--data-n`` keeps the first N rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accelbench.errors import UserError


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs ``x`` (n, *input_shape) and optional labels ``y``; ``digest`` identifies the content."""

    path: Path
    x: np.ndarray
    y: np.ndarray | None
    digest: str

    @property
    def n(self) -> int:
        return int(self.x.shape[0])


def _read(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        if path.is_dir():
            if not (path / "x.npy").is_file():
                raise UserError(f"--data directory {path} has no x.npy")
            x = np.load(path / "x.npy", allow_pickle=False)
            y = np.load(path / "y.npy", allow_pickle=False) if (path / "y.npy").is_file() else None
            return x, y
        with np.load(path, allow_pickle=False) as archive:
            if "x" not in archive.files:
                found = ", ".join(archive.files) or "none"
                raise UserError(f"--data {path.name} has no array named 'x' (found: {found})")
            return archive["x"], (archive["y"] if "y" in archive.files else None)
    except UserError:
        raise
    except Exception as exc:
        raise UserError(f"--data {path}: cannot read it as .npz or .npy ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else 'unreadable'})") from None


def load_dataset(path_text: str, input_shape: tuple[int, ...], n: int | None = None) -> Dataset:
    """Read and check ``--data`` for a model whose input is ``input_shape`` (without batch)."""
    path = Path(path_text)
    if not path.exists():
        raise UserError(f"--data {path} does not exist")
    x, y = _read(path)
    if x.dtype.kind not in "fiu":
        raise UserError(f"--data x must be numeric, got dtype {x.dtype}")
    if x.ndim < 1 or tuple(x.shape[1:]) != tuple(input_shape):
        expected = ", ".join(map(str, input_shape))
        raise UserError(f"--data x has shape {tuple(x.shape)}; the model expects (n, {expected})")
    if x.shape[0] == 0:
        raise UserError("--data x holds no rows")
    if not np.all(np.isfinite(x)):
        raise UserError("--data x contains NaN or infinite values")
    if y is not None:
        if y.shape[0] != x.shape[0]:
            raise UserError(f"--data y has {y.shape[0]} rows but x has {x.shape[0]}")
        if y.dtype.kind not in "fiub" or not np.all(np.isfinite(y.astype(np.float64))):
            raise UserError("--data y must be finite numbers (class labels or regression targets)")
    if n is not None:
        if n < 1:
            raise UserError(f"--data-n must be a positive integer, got {n}")
        x, y = x[:n], (y[:n] if y is not None else None)
    digest = hashlib.sha256(np.ascontiguousarray(x).tobytes())
    if y is not None:
        digest.update(np.ascontiguousarray(y).tobytes())
    return Dataset(path.resolve(), np.ascontiguousarray(x), y, digest.hexdigest()[:16])
