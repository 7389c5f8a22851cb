"""Hand-written Numba CPU kernels (imported only by the cpu-numba backend)."""
