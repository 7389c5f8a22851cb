"""The FPGA part and board catalog (hls/parts.toml): figures, sources, lookups and errors."""

from __future__ import annotations

import pytest

from accelbench.errors import UserError
from accelbench.fpga.parts import get_board, get_part, list_boards, list_parts

# shared/reference/README.md: the "Available" rows of Vivado/Vitis HLS csynth reports
# (BRAM_18K, DSP, FF, LUT, URAM).
REPORT_AVAILABLE = {
    "xcu250-figd2104-2L-e": (5376, 12288, 3456000, 1728000, 1280),
    "xcvu13p-flga2577-2-e": (5376, 12288, 3456000, 1728000, 1280),
    "xcku115-flvb2104-2-i": (4320, 5520, 1326720, 663360, 0),
    "xc7z020clg400-1": (280, 220, 106400, 53200, 0),
}
# Vendor data sheets (DS891 ZU9EG/ZU7EV, DS987 K26, DS180 XC7A100T): 36 Kb BRAM counted as two 18 Kb.
DATA_SHEET = {
    "xczu9eg-ffvb1156-2-e": (2 * 912, 2520, 548160, 274080, 0),
    "xczu7ev-ffvc1156-2-e": (2 * 312, 1728, 460800, 230400, 96),
    "xczu3eg-sbva484-1-e": (2 * 216, 360, 141120, 70560, 0),
    "xck26-sfvc784-2LV-c": (2 * 144, 1248, 234240, 117120, 64),
    "xc7a100tcsg324-1": (2 * 135, 240, 126800, 63400, 0),
}


@pytest.mark.parametrize(("name", "figures"), [*REPORT_AVAILABLE.items(), *DATA_SHEET.items()])
def test_part_resources_match_their_cited_source(name: str, figures: tuple[int, ...]) -> None:
    part = get_part(name)
    assert (part.bram18k, part.dsp, part.ff, part.lut, part.uram) == figures


def test_every_part_cites_its_source_and_calls_static_power_an_estimate() -> None:
    assert set(list_parts()) == set(REPORT_AVAILABLE) | set(DATA_SHEET)
    for name in list_parts():
        part = get_part(name)
        assert part.dsp_kind in ("DSP48E1", "DSP48E2")
        assert part.static_power_w > 0 and part.default_clock_ns > 0
        assert "estimate" in part.source and ("csynth" in part.source or "DS" in part.source)
    assert get_part("xc7z020clg400-1").dsp_kind == "DSP48E1" and get_part("xck26-sfvc784-2LV-c").dsp_kind == "DSP48E2"


def test_boards_name_parts_in_the_catalog() -> None:
    assert set(list_boards()) == {"pynq-z2", "zcu102", "zcu104", "kv260", "alveo-u250"}
    assert get_board("pynq-z2").part == "xc7z020clg400-1"
    assert get_board("kv260").part == "xck26-sfvc784-2LV-c"
    for board in list_boards():
        assert get_part(get_board(board).part).name == get_board(board).part


@pytest.mark.parametrize("name", ["xc7z999", ""])
def test_unknown_part_is_a_user_error_listing_the_known_ones(name: str) -> None:
    with pytest.raises(UserError, match=rf"unknown FPGA part '{name}' \(known: xc7a100tcsg324-1, "):
        get_part(name)


def test_unknown_board_is_a_user_error_listing_the_known_ones() -> None:
    with pytest.raises(UserError, match=r"unknown FPGA board 'de10' \(known: alveo-u250, kv260"):
        get_board("de10")


def test_boards_map_to_their_own_parts_and_bundle_flows_say_what_they_cannot_build(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from accelbench.fpga.bundle_build import check_flow
    from accelbench.fpga.config import resolve_config

    assert resolve_config(None, {"fpga_board": "zcu104"}).part == "xczu7ev-ffvc1156-2-e"  # not the ZCU102's
    assert resolve_config(None, {"fpga_board": "kv260"}).part == "xck26-sfvc784-2LV-c"
    monkeypatch.setattr("shutil.which", lambda tool: f"/opt/{tool}")
    check_flow("vitis", "zcu104")
    check_flow("vivado", "pynq-z2")
    with pytest.raises(UserError, match="block designs for pynq-z2, zcu102, alveo-u250 only, not zcu104"):
        check_flow("vivado", "zcu104")
    with pytest.raises(UserError, match="--flow must be one of"):
        check_flow("quartus", "kv260")
    monkeypatch.setattr("shutil.which", lambda tool: None)
    with pytest.raises(UserError, match="needs vitis-run on PATH"):
        check_flow("vitis", "kv260")
