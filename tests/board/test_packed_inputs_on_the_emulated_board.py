"""Several inputs through one packed DMA buffer, as a bundle's io.json records it (accelbench.board.packing).

The emulated board packs the inputs by io.json and splits them again (as the generated HLS wrapper
does) before the C simulation: a GRU step (x, h) from such a bundle matches the float64 reference
and the unpacked run. The PYNQ device sends the one packed buffer through hls4ml's ``hier_0/axi_dma_0``.
"""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from accelbench.board.bundle import emulation_bundle
from accelbench.board.device import EmulatedDevice, PynqDevice, bundle_layout, find_dma
from accelbench.board.packing import concat_layout, pack, packing_json, read_layout, unpack
from accelbench.fpga.bundle_build import bundle_io
from accelbench.fpga.lowering import lower
from accelbench.kinds import make_workload

GRU = make_workload("rnn_step", {"cell": "gru", "hidden": 4, "input_size": 3})


def _write_bundle(directory: Path, packed: bool) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    io = bundle_io(GRU, lower(GRU), packed=packed)
    for name, data in emulation_bundle(GRU.kind, GRU.params, GRU.name, {"fpga_board": "pynq-z2"}, io).items():
        (directory / name).write_bytes(data)
    return directory


@pytest.fixture(scope="module")
def devices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmulatedDevice, EmulatedDevice]]:
    """The GRU step loaded from a packed bundle and from an unpacked one (built once, in a private cache)."""
    tmp = tmp_path_factory.mktemp("packed-emulated")
    patch = pytest.MonkeyPatch()
    patch.setenv("ACCELBENCH_CACHE_DIR", str(tmp / "cache"))
    packed, plain = EmulatedDevice(), EmulatedDevice()
    packed.load(_write_bundle(tmp / "packed", packed=True))
    plain.load(_write_bundle(tmp / "plain", packed=False))
    yield packed, plain
    patch.undo()


def test_a_two_input_design_runs_from_the_bundles_packing_and_matches_the_reference(
        devices: tuple[EmulatedDevice, EmulatedDevice]) -> None:
    packed, plain = devices
    assert packed.layout == concat_layout([(3,), (4,)]) and plain.layout is None
    x, h = GRU.make_inputs(seed=3, batch=6)
    y = np.asarray(packed.run([x, h], repeats=1, power=False)["outputs"][0]).reshape(6, -1)
    np.testing.assert_allclose(y, GRU.reference((x, h)), atol=0.05)  # fixed point against float64
    np.testing.assert_array_equal(y, np.asarray(plain.run([x, h], 1, False)["outputs"][0]).reshape(6, -1))


def test_the_bundle_records_each_inputs_shape_and_offset_in_order() -> None:
    io = bundle_io(GRU, lower(GRU))
    assert io["input_packing"] == "concat" and io["packed_size"] == 7
    assert io["packed_inputs"] == [{"index": 0, "shape": [3], "offset": 0, "size": 3},
                                   {"index": 1, "shape": [4], "offset": 3, "size": 4}]
    assert "packed_inputs" not in bundle_io(GRU, lower(GRU), packed=False)
    assert packing_json([[5]]) == {}  # one input: nothing to pack


def test_pack_places_every_input_at_its_offset_and_unpack_restores_it() -> None:
    layout = concat_layout([(2,), (2, 2)])
    a, b = np.arange(6.0).reshape(3, 2), 10 + np.arange(12.0).reshape(3, 2, 2)
    packed = pack([a, b], layout)
    assert packed.dtype == np.float32 and packed.shape == (3, 6)
    np.testing.assert_array_equal(packed[1], [2, 3, 14, 15, 16, 17])
    back = unpack(packed, layout)
    np.testing.assert_array_equal(back[0], a)
    np.testing.assert_array_equal(back[1], b)
    with pytest.raises(ValueError, match="input 1 has 3 values"):
        pack([a, np.zeros((3, 3))], layout)


@pytest.mark.parametrize(("change", "message"), [
    ({"packed_size": 8}, "back to back"),
    ({"packed_inputs": [{"index": 0, "shape": [3], "offset": 1, "size": 3},
                        {"index": 1, "shape": [4], "offset": 4, "size": 4}], "packed_size": 8}, "back to back"),
    ({"input_packing": "dma-per-input"}, "needs input_packing concat"),
    ({"input_shapes": [[4], [3]]}, "not its input_shapes"),
    ({"packed_inputs": [{"shape": [3]}]}, "malformed"),
])
def test_a_layout_the_wrapper_would_not_read_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_layout({**bundle_io(GRU, lower(GRU)), **change})


def test_the_emulated_board_refuses_a_packing_that_is_not_its_designs(tmp_path: Path) -> None:
    (tmp_path / "io.json").write_text(json.dumps(bundle_io(GRU, lower(GRU))))
    assert bundle_layout(tmp_path, [[3], [4]]) == concat_layout([(3,), (4,)])
    with pytest.raises(ValueError, match="the design takes"):
        bundle_layout(tmp_path, [[4], [4]])
    (tmp_path / "io.json").write_text(json.dumps({**bundle_io(GRU, lower(GRU)), "packed_size": 9}))
    with pytest.raises(ValueError, match=r"malformed io\.json"):
        bundle_layout(tmp_path, [[3], [4]])


class _Channel:
    def __init__(self, log: list[Any]) -> None:
        self.log = log

    def transfer(self, buffer: Any) -> None:
        self.log.append(buffer)

    def wait(self) -> None:
        pass


class _Buffer(np.ndarray):
    def freebuffer(self) -> None:
        pass


@pytest.fixture
def hls4ml_overlay(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """A stand-in ``pynq`` whose overlay is hls4ml's block design: one engine, ``hier_0/axi_dma_0``, no top-level one."""
    seen: dict[str, list[Any]] = {"sent": [], "received": []}

    class Overlay:
        def __init__(self, path: str) -> None:
            dma = types.SimpleNamespace(sendchannel=_Channel(seen["sent"]), recvchannel=_Channel(seen["received"]))
            self.hier_0 = types.SimpleNamespace(axi_dma_0=dma)
            self.ip_dict: dict[str, dict[str, Any]] = {"hier_0/axi_dma_0": {}, "processing_system7_0": {}}

    module = types.ModuleType("pynq")
    module.Overlay = Overlay  # type: ignore[attr-defined]
    module.allocate = lambda shape, dtype: np.zeros(shape, dtype).view(_Buffer)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pynq", module)
    return seen


def test_the_pynq_device_sends_the_packed_buffer_through_hls4mls_dma(
        tmp_path: Path, hls4ml_overlay: dict[str, list[Any]]) -> None:
    (tmp_path / "design.bit").write_bytes(b"bit")
    (tmp_path / "io.json").write_text(json.dumps(bundle_io(GRU, lower(GRU))))
    device = PynqDevice()
    device.load(tmp_path)
    x, h = GRU.make_inputs(seed=1, batch=2)
    device.run([x, h], repeats=1, power=False)
    (sent,) = hls4ml_overlay["sent"]
    np.testing.assert_array_equal(sent, np.concatenate([x, h], axis=1))  # rows of x then h, one buffer
    assert hls4ml_overlay["received"][0].shape == (2, 4)
    with pytest.raises(ValueError, match="no DMA engine axi_dma_1"):
        find_dma(device.overlay, "axi_dma_1")
