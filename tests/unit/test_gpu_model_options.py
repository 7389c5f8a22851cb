"""--model-gpu: one gpu-model task per named GPU, added to any run; unknown names rejected early."""

from __future__ import annotations

import argparse

import pytest

from accelbench.commands import run as run_command
from accelbench.commands.gpu_model_options import apply, parse_gpus
from accelbench.commands.run_options import RunSetup
from accelbench.errors import UserError
from accelbench.measure.policy import RunPolicy


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    run_command.add_run_arguments(parser)
    return parser.parse_args(list(argv))


def test_names_resolve_to_catalog_keys_without_duplicates() -> None:
    assert parse_gpus("v100, T4,Tesla T4") == ["V100", "T4"]


def test_unknown_gpu_names_are_a_user_error_naming_the_known_ones() -> None:
    with pytest.raises(UserError, match=r"known: .*A100"):
        parse_gpus("T4,Z9000")
    with pytest.raises(UserError, match="at least one"):
        parse_gpus(" , ")


def test_apply_adds_the_backend_with_one_variant_per_gpu() -> None:
    setup = RunSetup()
    apply(argparse.Namespace(model_gpu="A100,T4"), setup)
    assert setup.backend_variants["gpu-model"] == [{"model_gpu": "A100"}, {"model_gpu": "T4"}]
    assert setup.extra_backends == ["gpu-model"]


def test_without_the_flag_nothing_changes() -> None:
    setup = RunSetup()
    apply(argparse.Namespace(model_gpu=None), setup)
    assert setup.backend_variants == {} and setup.extra_backends == []


def test_model_gpu_adds_modeled_tasks_beside_the_measured_backends() -> None:
    tasks, _ = run_command.build_tasks(
        _args("gemm:m=8,n=8,k=8", "--backends", "cpu-numpy", "--model-gpu", "V100,T4"), RunPolicy())
    assert [(t.backend, dict(t.config)) for t in tasks] == [
        ("cpu-numpy", {}), ("gpu-model", {"model_gpu": "V100"}), ("gpu-model", {"model_gpu": "T4"})]


def test_backends_gpu_model_with_model_gpu_gives_only_modeled_tasks() -> None:
    tasks, _ = run_command.build_tasks(
        _args("gemm:m=8,n=8,k=8", "--backends", "gpu-model", "--model-gpu", "T4"), RunPolicy())
    assert [(t.backend, dict(t.config)) for t in tasks] == [("gpu-model", {"model_gpu": "T4"})]


def test_an_unknown_gpu_fails_before_any_task_exists() -> None:
    with pytest.raises(UserError, match="unknown GPU 'GTX9090'"):
        run_command.build_tasks(_args("gemm:m=8,n=8,k=8", "--model-gpu", "GTX9090"), RunPolicy())
