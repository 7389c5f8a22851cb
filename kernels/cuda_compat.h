// Spellings that differ between CUDA and HIP, so kernels/*.cu build unchanged for both.
//
// CUDA (nvcc, NVRTC): every macro expands to the very tokens the kernels used before, so the PTX
// for sm_80/sm_90 is unchanged. HIP on AMD (hipcc): the same, but half floats come from
// <hip/hip_fp16.h>. The HIP CPU runtime (HIP-CPU, used by tests/gpu to run the kernels on CPU
// threads and check their results) lacks the fast-math intrinsic __expf and the __align__
// specifier, and declares dynamic shared memory with HIP_DYNAMIC_SHARED instead of
// `extern __shared__ T x[];`.
#pragma once

#if defined(__HIP_CPU_RT__) || defined(__HIPCC__)
#include <hip/hip_fp16.h>
#else
#include <cuda_fp16.h>
#endif

#if defined(__HIP_CPU_RT__)
#include <atomic>
// A CPU forgives a misaligned vector load, a GPU faults: on HIP-CPU every vector load checks its
// alignment and records a fault that the test harness reports as an error.
inline std::atomic<int> accel_misaligned_loads{0};
#define ACCEL_CHECK_ALIGNED(p, bytes) \
    ((reinterpret_cast<unsigned long long>(p) % (bytes)) ? (void)accel_misaligned_loads.fetch_add(1) : (void)0)
#define ACCEL_EXPF(x) expf(x)
#define ACCEL_DYNAMIC_SHARED(type, name) HIP_DYNAMIC_SHARED(type, name)
#ifndef __align__
#define __align__(n) __attribute__((aligned(n)))
#endif
#else
#define ACCEL_CHECK_ALIGNED(p, bytes) ((void)0)
#define ACCEL_EXPF(x) __expf(x)
#define ACCEL_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif
