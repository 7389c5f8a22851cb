"""A GPU performance model for GPUs this machine does not have (the ``gpu-model`` backend).

catalog.toml holds data-sheet figures per GPU (each cited); equations.py the latency equations
(tiles and waves over the SMs, roofline of compute and DRAM traffic with L2 reuse, launch
overhead); fitted.toml the constants fitted on DeepBench's published kernel times
(benchmarks/gpu_model_fit.py, data/ holds the rows). Every figure it produces is ``modeled``.
See docs/gpu-model.md. Importing this package imports NumPy only (SciPy for fitting, torch for
networks, lazily).
"""
