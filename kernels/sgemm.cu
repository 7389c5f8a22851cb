// Register- and shared-memory-tiled GEMM for accelbench's gpu-cupy backend.
//
// C[b] (m x n) = A[b] (m x k) @ B (k x n), row-major, B shared by every batch item (the constant
// weight of a gemm workload). Each 16x16 thread block computes a 64x64 tile of C; every thread
// owns a 4x4 register tile. K is walked in slices of 16 staged through shared memory (A's slice
// stored transposed so the inner product reads both operands without bank conflicts).
// Edges (m, n, k not multiples of the tile) are zero-padded on load and masked on store.
#include "cuda_compat.h"

#define TILE_M 64
#define TILE_N 64
#define TILE_K 16
#define THREAD_M 4
#define THREAD_N 4

template <typename T>
__device__ __forceinline__ float load_as_float(const T* p, long long idx) { return static_cast<float>(p[idx]); }

template <>
__device__ __forceinline__ float load_as_float<__half>(const __half* p, long long idx) { return __half2float(p[idx]); }

template <typename T>
__device__ void sgemm_tile(const T* __restrict__ A, const T* __restrict__ B, float* __restrict__ C,
                           int m, int n, int k) {
    __shared__ float As[TILE_K][TILE_M + 4];
    __shared__ float Bs[TILE_K][TILE_N + 4];
    const int batch = blockIdx.z;
    const T* a = A + (long long)batch * m * k;
    float* c = C + (long long)batch * m * n;
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int tid = ty * blockDim.x + tx;
    const int row0 = blockIdx.y * TILE_M, col0 = blockIdx.x * TILE_N;
    float acc[THREAD_M][THREAD_N] = {{0.0f}};
    for (int k0 = 0; k0 < k; k0 += TILE_K) {
        // 256 threads load a 64x16 slice of A and a 16x64 slice of B (4 elements each).
        for (int i = tid; i < TILE_M * TILE_K; i += 256) {
            int r = i / TILE_K, kk = i % TILE_K;
            int gr = row0 + r, gk = k0 + kk;
            As[kk][r] = (gr < m && gk < k) ? load_as_float(a, (long long)gr * k + gk) : 0.0f;
        }
        for (int i = tid; i < TILE_K * TILE_N; i += 256) {
            int kk = i / TILE_N, cc = i % TILE_N;
            int gk = k0 + kk, gc = col0 + cc;
            Bs[kk][cc] = (gk < k && gc < n) ? load_as_float(B, (long long)gk * n + gc) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TILE_K; ++kk) {
            float ra[THREAD_M], rb[THREAD_N];
#pragma unroll
            for (int i = 0; i < THREAD_M; ++i) ra[i] = As[kk][ty * THREAD_M + i];
#pragma unroll
            for (int j = 0; j < THREAD_N; ++j) rb[j] = Bs[kk][tx * THREAD_N + j];
#pragma unroll
            for (int i = 0; i < THREAD_M; ++i)
#pragma unroll
                for (int j = 0; j < THREAD_N; ++j) acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < THREAD_M; ++i) {
        int gr = row0 + ty * THREAD_M + i;
        if (gr >= m) continue;
#pragma unroll
        for (int j = 0; j < THREAD_N; ++j) {
            int gc = col0 + tx * THREAD_N + j;
            if (gc < n) c[(long long)gr * n + gc] = acc[i][j];
        }
    }
}

// grid (ceil(n/64), ceil(m/64), batch), block (16, 16)
extern "C" __global__ void sgemm_f32(const float* A, const float* B, float* C, int m, int n, int k) {
    sgemm_tile<float>(A, B, C, m, n, k);
}

// float16 inputs, float32 accumulation and output
extern "C" __global__ void sgemm_f16_f32acc(const __half* A, const __half* B, float* C, int m, int n, int k) {
    sgemm_tile<__half>(A, B, C, m, n, k);
}
