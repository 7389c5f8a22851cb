"""numba.cuda kernels for gpu-numba (imported only by that backend and its tests).

They run on a real GPU and, for correctness only, on Numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1`` set before numba is imported); the simulator is never timed.
"""
