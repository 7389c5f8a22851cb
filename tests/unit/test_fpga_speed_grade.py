"""Operator delays follow the part's speed grade: parsed from the part name, scaled per grade (and for
7-series parts), fitted from fit rows only, recorded in the design's ``fpga`` block."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from accelbench.fpga import calibration as cal
from accelbench.fpga import model as m
from accelbench.fpga import profile_fit as pf
from accelbench.fpga.layers import layers_from_description
from accelbench.fpga.parts import get_part, speed_grade
from accelbench.fpga.profiles import get_profile, list_tools, structural

JET = "input 16; dense 64; relu; dense 32; relu; dense 32; relu; dense 5; softmax"
ZU7EV = get_part("xczu7ev-ffvc1156-2-e")  # -2
ZU3EG = dataclasses.replace(ZU7EV, name="xczu3eg-sbva484-1-e")  # the same family at -1


@pytest.mark.parametrize(("name", "grade"), [
    ("xczu3eg-sbva484-1-e", "-1"), ("xcu250-figd2104-2L-e", "-2L"), ("xc7z020clg400-1", "-1"),
    ("xc7z020-clg400-1", "-1"), ("xck26-sfvc784-2LV-c", "-2LV"), ("xcvu13p-flga2577-2-e", "-2"),
    ("xcku115-flvb2104-2-i", "-2"), ("xczu9eg-ffvb1156-3-e", "-3"),
    ("xcu250", None), ("XC7Z020-1CLG400C", None), ("", None),
])
def test_the_speed_grade_is_parsed_from_the_part_name(name: str, grade: str | None) -> None:
    assert speed_grade(name) == grade


@pytest.mark.parametrize("tool", list_tools())
def test_a_slower_grade_never_has_fewer_pipeline_cycles_than_a_faster_one(tool: str) -> None:
    designs = [layers_from_description(JET, reuse_factor=rf) for rf in (1, 2, 4)]
    designs.append(layers_from_description("input 8x8x3; conv2d 8 3x3; relu; dense 10", io_type="io_stream"))
    for hls4ml, layers, clock_ns in itertools.product(("0.5", "1.0"), designs, (2.5, 3.3, 5.0, 10.0)):
        profile = get_profile(tool, hls4ml)
        slow = m.estimate(layers, ZU3EG, clock_ns, profile)
        fast = m.estimate(layers, ZU7EV, clock_ns, profile)
        assert slow.latency_cycles >= fast.latency_cycles and slow.ii_cycles >= fast.ii_cycles
        assert sum(x.depth_cycles for x in slow.layers) >= sum(x.depth_cycles for x in fast.layers)
        assert slow.delay and fast.delay and slow.delay.scale >= fast.delay.scale == 1.0
        faster = m.estimate(layers, dataclasses.replace(ZU7EV, name="xczu7ev-ffvc1156-3-e"), clock_ns, profile)
        assert faster.latency_cycles <= fast.latency_cycles


def test_the_fitted_grade_scale_deepens_the_jet_tagger_on_the_minus_1_part() -> None:
    profile = get_profile("vivado-hls-2019.2", "0.5")
    layers = layers_from_description(JET, reuse_factor=2)
    slow, fast = m.estimate(layers, ZU3EG, 5.0, profile), m.estimate(layers, ZU7EV, 5.0, profile)
    assert slow.latency_cycles > fast.latency_cycles
    assert slow.delay and slow.delay.key == "-1" and "fitted on" in slow.delay.grade_source


def test_a_part_name_without_a_grade_uses_the_default_scale_and_says_so() -> None:
    profile = get_profile("vitis-hls-2024.1", "1.0")
    nameless = dataclasses.replace(ZU7EV, name="xczu7ev")
    layers = layers_from_description(JET)
    design = m.estimate(layers, nameless, 3.0, profile)
    assert design.delay and design.delay.grade is None and design.delay.scale == 1.0
    assert design.latency_cycles == m.estimate(layers, ZU7EV, 3.0, profile).latency_cycles
    record = m.to_record(design)
    assert record["speed_grade"] is None
    scale = record["delay_scale"]
    assert isinstance(scale, dict) and scale["delay_scale"] == 1.0
    assert "no speed grade in the part name" in str(scale["note"]) and "no speed grade" in design.method


def test_the_record_names_the_grade_and_the_scale_used() -> None:
    profile = get_profile("vivado-hls-2020.1", "1.0")
    record = m.to_record(m.estimate(layers_from_description(JET), get_part("xc7z020clg400-1"), 5.0, profile))
    assert record["speed_grade"] == "-1"
    scale = record["delay_scale"]
    assert isinstance(scale, dict) and scale["family"] == "7-series"
    grade, family = profile.speed_grade_delay_scale["-1"], profile.family_delay_scale["7-series"]
    assert scale["delay_scale"] == pytest.approx(grade * family, abs=1e-4) and grade > 1.0 and family > 1.0
    assert "datasheet prior" in str(scale["note"])  # no fit row of 2020.1 is on a -1 part
    low_voltage = m.estimate(layers_from_description(JET), get_part("xck26-sfvc784-2LV-c"), 5.0, profile)
    assert low_voltage.delay and low_voltage.delay.key == "-2LV" and low_voltage.delay.scale > 1.0


def test_grade_scales_are_fitted_from_fit_rows_only_and_refitted_without_each_source() -> None:
    rows = [r for r in cal.load_rows() if r["profile"] == "vivado-hls-2019.2" and r["role"] == "fit"]
    minus1 = [r for r in rows if (cal.part_for(r["part"]).speed_grade or "").startswith("-1")]
    fitted = pf.fit_constants("vivado-hls-2019.2")
    assert fitted["delay_scale_rows"] == {"-1": len(minus1)} and len(minus1) >= pf.MIN_SCALE_ROWS
    assert 1.0 <= fitted["speed_grade_delay_scale"]["-1"] <= 2.0
    # no fit row of the other profiles is on a -1 part: their -1 scale is the datasheet prior
    for tool in ("vivado-hls-2020.1", "vitis-hls-2024.1"):
        assert pf.fit_constants(tool)["delay_scale_rows"] == {}
        assert pf.fit_constants(tool)["speed_grade_delay_scale"] == structural(tool)["speed_grade_delay_scale"]
    # leave one source out: the refit sees one -1 row fewer (the band accounts for the scale's own error)
    for source in {r["source_key"] for r in minus1}:
        remaining = len([r for r in minus1 if r["source_key"] != source])
        left = pf.fit_constants("vivado-hls-2019.2", source)["delay_scale_rows"]
        assert left == ({"-1": remaining} if remaining >= pf.MIN_SCALE_ROWS else {}), source
    # the shipped profile carries the fitted scales (benchmarks/fpga_model_fit.py --write was run)
    profile = get_profile("vivado-hls-2019.2", "0.5")
    assert profile.speed_grade_delay_scale == fitted["speed_grade_delay_scale"]
    assert profile.delay_scale_rows == fitted["delay_scale_rows"]
