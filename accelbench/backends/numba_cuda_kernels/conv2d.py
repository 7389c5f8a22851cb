"""Direct NCHW convolution: one thread per output element."""

from __future__ import annotations

from numba import cuda, float32

THREADS = 128


@cuda.jit
def conv2d_direct(x, w, y, stride_h, stride_w, pad_h, pad_w):
    """x (n, c, h, w), w (k, c, r, s), y (n, k, p, q); grid (ceil(p*q/THREADS), n*k)."""
    n_k = cuda.blockIdx.y
    k_out = w.shape[0]
    n = n_k // k_out
    k = n_k % k_out
    p_out = y.shape[2]
    q_out = y.shape[3]
    pq = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
    if pq >= p_out * q_out:
        return
    p = pq // q_out
    q = pq % q_out
    channels = x.shape[1]
    height = x.shape[2]
    width = x.shape[3]
    acc = float32(0.0)
    for c in range(channels):
        for r in range(w.shape[2]):
            h = p * stride_h - pad_h + r
            if h < 0 or h >= height:
                continue
            for s in range(w.shape[3]):
                col = q * stride_w - pad_w + s
                if col >= 0 and col < width:
                    acc += x[n, c, h, col] * w[k, c, r, s]
    y[n, k, p, q] = acc


def launch_conv2d(x, w, y, stride, pad) -> None:
    n, k, p, q = y.shape
    grid = ((p * q + THREADS - 1) // THREADS, n * k)
    conv2d_direct[grid, THREADS](x, w, y, stride[0], stride[1], pad[0], pad[1])
