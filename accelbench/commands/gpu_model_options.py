"""``run`` option group for the GPU model: ``--model-gpu T4,A100`` (one modeled record per GPU).

``--model-gpu`` adds the ``gpu-model`` backend to any run (whatever ``--backends`` says) with one
configuration per named GPU, so ``accelbench run deepbench-gemm --model-gpu V100,T4`` gives the
measured records plus modeled ones for both GPUs, and ``--backends gpu-model --model-gpu T4`` only
the modeled ones. Unknown names are a UserError listing the catalog (exit 2), before anything runs.
"""

from __future__ import annotations

import argparse

from accelbench.commands.run_options import RunSetup
from accelbench.errors import UserError

BACKEND = "gpu-model"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("modeled GPUs (gpu-model)")
    group.add_argument("--model-gpu", metavar="GPU[,GPU...]",
                       help="model these GPUs too (catalog names, e.g. T4,A100,H100): one model-only record per "
                            "GPU, every figure labelled modeled (default with --backends gpu-model: T4)")


def parse_gpus(text: str) -> list[str]:
    """Catalog keys for a comma-separated list of GPU names (keys or aliases), duplicates dropped."""
    from accelbench.gpumodel.catalog import lookup

    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise UserError("--model-gpu needs at least one GPU name")
    return list(dict.fromkeys(lookup(name).key for name in names))


def apply(args: argparse.Namespace, setup: RunSetup) -> None:
    text = getattr(args, "model_gpu", None)
    if text is None:
        return
    keys = parse_gpus(text)
    setup.backend_variants[BACKEND] = [{"model_gpu": key} for key in keys]
    if BACKEND not in setup.extra_backends:
        setup.extra_backends.append(BACKEND)
