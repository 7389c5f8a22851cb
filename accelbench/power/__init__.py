"""Power meters behind one protocol: RAPL (CPU), NVML (GPU), PYNQ rails (board) and modeled estimates."""
