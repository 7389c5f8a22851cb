// Shared-memory- and register-tiled GEMM for accelbench's gpu-cupy backend.
//
// C[b] (m x n) = A[b] (m x k) @ B (k x n), row-major, B shared by every batch item (the constant
// weight of a gemm workload); float32 accumulation and output, float32 or float16 inputs.
//
// A block of 256 threads (16 x 16) computes a BM x BN = 128 x 128 tile of C; every thread owns an
// 8 x 8 register tile (64 accumulators; 4 shared-memory vector loads feed 64 FMAs). K is walked in
// slices of BK through two shared-memory buffers: while the block computes on one, the next slice
// is loaded from global memory into registers part by part (one 4-element group of A and of B per
// thread per part) and stored into the other buffer, so one __syncthreads per slice suffices and
// few registers are in flight. A's slice is stored transposed, so the inner product reads both
// operands as 16-byte vectors from shared memory (rows padded by 4 floats against bank conflicts).
// Global loads are 16-byte vectors (4 floats; 4 halves as two half2) when the row length is a
// multiple of 4 and the pointer is aligned, otherwise element by element; ragged edges are
// zero-padded on load and masked on store.
//
// Sized per architecture (one entry point per size; accelbench/backends/cuda_launch.py picks):
//   sm_80 (A100, 164 KiB shared memory per SM): 128 x 128 x  8, 16.5 KiB per block
//   sm_90 (H100, 228 KiB shared memory per SM): 128 x 128 x 16, 33 KiB per block, half the
//                                               barriers per FMA
// Both stay within 128 registers (two blocks per SM), spill nothing and stay under the 48 KiB of
// static shared memory a block may use without opting in (benchmarks/gpu_kernel_resources.py).
#include "cuda_compat.h"

#define THREADS 256
#define TM 8
#define TN 8
#define PAD 4

__device__ __forceinline__ void load4(const float* p, float v[4]) {
    ACCEL_CHECK_ALIGNED(p, 16);
    const float4 q = *reinterpret_cast<const float4*>(p);
    v[0] = q.x; v[1] = q.y; v[2] = q.z; v[3] = q.w;
}

__device__ __forceinline__ void load4(const __half* p, float v[4]) {
    ACCEL_CHECK_ALIGNED(p, 8);
    const __half2* q = reinterpret_cast<const __half2*>(p);
    const float2 lo = __half22float2(q[0]), hi = __half22float2(q[1]);
    v[0] = lo.x; v[1] = lo.y; v[2] = hi.x; v[3] = hi.y;
}

__device__ __forceinline__ float load1(const float* p) { return *p; }
__device__ __forceinline__ float load1(const __half* p) { return __half2float(*p); }

// Four consecutive elements p[i .. i+3] of a row of length len (i a multiple of 4), zero past the
// end or past the last row; vectorised when the row and the pointer allow.
template <typename T>
__device__ __forceinline__ void load_row4(const T* row, int i, int len, bool in_rows, bool vec, float v[4]) {
    if (in_rows && vec && i < len) {  // len % 4 == 0: the four are all in or all out
        load4(row + i, v);
        return;
    }
#pragma unroll
    for (int j = 0; j < 4; ++j) v[j] = (in_rows && i + j < len) ? load1(row + i + j) : 0.0f;
}

template <typename T, int BM, int BN, int BK>
__device__ void sgemm_tiled(const T* __restrict__ A, const T* __restrict__ B, float* __restrict__ C, int m, int n,
                            int k) {
    // A slice (BM x BK) and B slice (BK x BN) are loaded in PARTS rounds of one 4-element group
    // per thread each, spread over the compute of the current slice (few registers in flight).
    constexpr int PARTS = BM * BK / 4 / THREADS;
    static_assert(PARTS >= 1 && PARTS == BK * BN / 4 / THREADS && BK % PARTS == 0, "tile shape");
    static_assert(BM == 16 * TM && BN == 16 * TN, "16 x 16 threads");
    __shared__ __align__(16) float As[2][BK][BM + PAD];
    __shared__ __align__(16) float Bs[2][BK][BN + PAD];

    const T* a = A + (long long)blockIdx.z * m * k;
    float* c = C + (long long)blockIdx.z * m * n;
    const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * 16 + tx;
    const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    const bool vec_a = (k % 4 == 0) && (reinterpret_cast<unsigned long long>(a) % (4 * sizeof(T)) == 0);
    const bool vec_b = (n % 4 == 0) && (reinterpret_cast<unsigned long long>(B) % (4 * sizeof(T)) == 0);

    float ra[4], rb[4];
    auto load_part = [&](int k0, int part) {
        const int idx = tid + part * THREADS;
        const int r = idx / (BK / 4), kc = (idx % (BK / 4)) * 4, gr = row0 + r;
        load_row4(a + (long long)(gr < m ? gr : 0) * k, k0 + kc, k, gr < m, vec_a, ra);
        const int kk = idx / (BN / 4), cc = (idx % (BN / 4)) * 4, gk = k0 + kk;
        load_row4(B + (long long)(gk < k ? gk : 0) * n, col0 + cc, n, gk < k, vec_b, rb);
    };
    auto store_part = [&](int buf, int part) {
        const int idx = tid + part * THREADS;
        const int r = idx / (BK / 4), kc = (idx % (BK / 4)) * 4;
#pragma unroll
        for (int j = 0; j < 4; ++j) As[buf][kc + j][r] = ra[j];
        const int kk = idx / (BN / 4), cc = (idx % (BN / 4)) * 4;
        *reinterpret_cast<float4*>(&Bs[buf][kk][cc]) = make_float4(rb[0], rb[1], rb[2], rb[3]);
    };

    float acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = 0.0f;

    const int slices = (k + BK - 1) / BK;
#pragma unroll
    for (int part = 0; part < PARTS; ++part) {
        load_part(0, part);
        store_part(0, part);
    }
    __syncthreads();
    for (int t = 0; t < slices; ++t) {
        const int cur = t & 1;
        const bool next = t + 1 < slices;
#pragma unroll
        for (int part = 0; part < PARTS; ++part) {
            if (next) load_part((t + 1) * BK, part);  // in flight while this part of the slice is computed
#pragma unroll
            for (int kk = part * (BK / PARTS); kk < (part + 1) * (BK / PARTS); ++kk) {
                const float4 a0 = *reinterpret_cast<const float4*>(&As[cur][kk][ty * TM]);
                const float4 a1 = *reinterpret_cast<const float4*>(&As[cur][kk][ty * TM + 4]);
                const float4 b0 = *reinterpret_cast<const float4*>(&Bs[cur][kk][tx * TN]);
                const float4 b1 = *reinterpret_cast<const float4*>(&Bs[cur][kk][tx * TN + 4]);
                const float fa[TM] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
                const float fb[TN] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
                for (int i = 0; i < TM; ++i)
#pragma unroll
                    for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(fa[i], fb[j], acc[i][j]);
            }
            if (next) store_part(cur ^ 1, part);  // the other buffer: last read before the previous sync
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < TM; ++i) {
        const int gr = row0 + ty * TM + i;
        if (gr >= m) continue;
        float* crow = c + (long long)gr * n;
#pragma unroll
        for (int j = 0; j < TN; ++j) {
            const int gc = col0 + tx * TN + j;
            if (gc < n) crow[gc] = acc[i][j];
        }
    }
}

// grid (ceil(n/128), ceil(m/128), batch), block (16, 16): sm_80 sizing
extern "C" __global__ void __launch_bounds__(THREADS) sgemm_f32_128x128x8(const float* A, const float* B, float* C,
                                                                          int m, int n, int k) {
    sgemm_tiled<float, 128, 128, 8>(A, B, C, m, n, k);
}

extern "C" __global__ void __launch_bounds__(THREADS) sgemm_f16_f32acc_128x128x8(const __half* A, const __half* B,
                                                                                 float* C, int m, int n, int k) {
    sgemm_tiled<__half, 128, 128, 8>(A, B, C, m, n, k);
}

// grid (ceil(n/128), ceil(m/128), batch), block (16, 16): sm_90 sizing
extern "C" __global__ void __launch_bounds__(THREADS) sgemm_f32_128x128x16(const float* A, const float* B, float* C,
                                                                           int m, int n, int k) {
    sgemm_tiled<float, 128, 128, 16>(A, B, C, m, n, k);
}

extern "C" __global__ void __launch_bounds__(THREADS) sgemm_f16_f32acc_128x128x16(const __half* A, const __half* B,
                                                                                  float* C, int m, int n, int k) {
    sgemm_tiled<__half, 128, 128, 16>(A, B, C, m, n, k);
}
