// Direct NCHW convolution (cross-correlation, zero padding, no bias) for accelbench's gpu-cupy backend.
//
// One thread per output element (n, k, p, q); the filter of output channel k is staged in shared
// memory by the block (blocks never straddle two output channels: grid.y indexes n*K + k).
#include "cuda_compat.h"

extern "C" __global__ void conv2d_nchw_f32(const float* __restrict__ x, const float* __restrict__ w,
                                           float* __restrict__ y, int C, int H, int W, int K, int R, int S,
                                           int P, int Q, int stride_h, int stride_w, int pad_h, int pad_w) {
    ACCEL_DYNAMIC_SHARED(float, filt);  // C*R*S floats (the launch passes the size)
    const int nk = blockIdx.y;
    const int n = nk / K, k = nk % K;
    const int filter_size = C * R * S;
    for (int i = threadIdx.x; i < filter_size; i += blockDim.x) filt[i] = w[(long long)k * filter_size + i];
    __syncthreads();
    const int pq = blockIdx.x * blockDim.x + threadIdx.x;
    if (pq >= P * Q) return;
    const int p = pq / Q, q = pq % Q;
    float acc = 0.0f;
    for (int c = 0; c < C; ++c) {
        const float* xc = x + ((long long)n * C + c) * H * W;
        for (int r = 0; r < R; ++r) {
            const int h = p * stride_h - pad_h + r;
            if (h < 0 || h >= H) continue;
            for (int s = 0; s < S; ++s) {
                const int ww = q * stride_w - pad_w + s;
                if (ww < 0 || ww >= W) continue;
                acc = fmaf(xc[h * W + ww], filt[(c * R + r) * S + s], acc);
            }
        }
    }
    y[((long long)n * K + k) * P * Q + pq] = acc;
}
