"""The GPU catalog: every number cited, the devices the issue names present, names resolved."""

from __future__ import annotations

import pytest

from accelbench.errors import UserError
from accelbench.gpumodel.catalog import NUMBERS, load_catalog, lookup, match_device_name


def test_every_number_of_every_gpu_cites_a_document_or_its_derivation() -> None:
    catalog = load_catalog()
    for gpu in catalog.gpus:
        for field in NUMBERS:
            ref = gpu.cite.get(field)
            assert ref, f"{gpu.key}.{field} has no citation"
            assert ref in catalog.documents or ref.startswith("derived:"), f"{gpu.key}.{field}: {ref!r}"


def test_catalog_holds_the_deepbench_gpus_and_current_ones() -> None:
    keys = set(load_catalog().keys())
    assert {"T4", "L4", "A10", "A100", "H100", "H200", "RTX4090"} <= keys
    assert {"M40", "TitanX-Maxwell", "GTX1080Ti", "TitanX-Pascal", "TitanXp", "P100", "V100", "MI25",
            "VegaFE"} <= keys


def test_numbers_are_physical() -> None:
    for gpu in load_catalog().gpus:
        assert gpu.sms > 0 and gpu.fp32_tflops > 0 and gpu.bandwidth_gbs > 0 and gpu.tdp_w > 0 and gpu.l2_mib > 0
        assert gpu.tensor_fp16_tflops == 0 or gpu.tensor_fp16_tflops >= gpu.fp32_tflops
        # The FP32 peak is SMs x lanes x 2 FLOP x clock for some lane count of 64 or 128.
        lanes = gpu.fp32_tflops * 1e12 / (gpu.sms * 2 * gpu.boost_clock_mhz * 1e6)
        assert min(abs(lanes - 64), abs(lanes - 128)) / lanes < 0.05, (gpu.key, lanes)


def test_lookup_takes_keys_and_aliases_in_any_case() -> None:
    assert lookup("t4").key == "T4"
    assert lookup("Tesla V100").key == "V100"
    assert lookup("a100-80gb").key == "A100-80GB"
    assert lookup("RTX 4090").key == "RTX4090"


def test_unknown_gpu_is_a_user_error_listing_the_known_ones() -> None:
    with pytest.raises(UserError, match=r"unknown GPU 'B300'.*known: .*T4.*H100"):
        lookup("B300")


@pytest.mark.parametrize(("driver_name", "key"), [
    ("Tesla V100-SXM2-16GB", "V100"),
    ("NVIDIA A100-SXM4-80GB", "A100-80GB"),
    ("NVIDIA A100-SXM4-40GB", "A100"),
    ("NVIDIA A10", "A10"),
    ("NVIDIA GeForce RTX 4090", "RTX4090"),
    ("NVIDIA H100 80GB HBM3", "H100"),
    ("Tesla T4", "T4"),
])
def test_driver_reported_names_match_their_entry(driver_name: str, key: str) -> None:
    gpu = match_device_name(driver_name)
    assert gpu is not None and gpu.key == key


def test_a_gpu_outside_the_catalog_matches_nothing() -> None:
    assert match_device_name("NVIDIA L40S") is None
    assert match_device_name("NVIDIA GeForce RTX 3060") is None
