"""Your own model and data: trained networks from files (a ``.py`` factory, ONNX, ``torch.export``,
QONNX) and arrays of real inputs, turned into model workloads every backend can lower.

``source`` reads a model file into a torch module and an input shape; ``onnx_chain`` turns a
sequential ONNX graph into torch layers; ``data`` reads and checks ``--data`` files. Nothing here
imports torch or onnx until a user model is loaded.
"""
