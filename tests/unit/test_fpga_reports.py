"""Vendor report parsing on report files in the tools' own formats (written here, not produced by a tool)."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelbench.errors import UserError
from accelbench.fpga.reports import find_vendor_tool, parse_cosim_rpt, parse_csynth_rpt, parse_csynth_xml, to_record

CSYNTH_XML = """<?xml version="1.0" encoding="UTF-8"?>
<profile>
  <ReportVersion><Version>2020.1</Version></ReportVersion>
  <UserAssignments><unit>ns</unit><Part>xc7z020clg400-1</Part><TopModelName>myproject</TopModelName>
    <TargetClockPeriod>5.00</TargetClockPeriod><ClockUncertainty>0.62</ClockUncertainty></UserAssignments>
  <PerformanceEstimates>
    <PipelineType>dataflow</PipelineType>
    <SummaryOfTimingAnalysis><unit>ns</unit><EstimatedClockPeriod>4.049</EstimatedClockPeriod></SummaryOfTimingAnalysis>
    <SummaryOfOverallLatency><unit>clock cycles</unit><Best-caseLatency>10</Best-caseLatency>
      <Average-caseLatency>10</Average-caseLatency><Worst-caseLatency>11</Worst-caseLatency>
      <Interval-min>8</Interval-min><Interval-max>9</Interval-max></SummaryOfOverallLatency>
  </PerformanceEstimates>
  <AreaEstimates>
    <Resources><BRAM_18K>0</BRAM_18K><DSP48E>73</DSP48E><FF>7969</FF><LUT>2532</LUT><URAM>0</URAM></Resources>
    <AvailableResources><BRAM_18K>280</BRAM_18K><DSP48E>220</DSP48E><FF>106400</FF><LUT>53200</LUT><URAM>0</URAM></AvailableResources>
  </AreaEstimates>
</profile>
"""

CSYNTH_RPT = """
================================================================
== Performance Estimates
================================================================
+ Timing:
    * Summary:
    +--------+---------+----------+------------+
    |  Clock |  Target | Estimated| Uncertainty|
    +--------+---------+----------+------------+
    |ap_clk  | 5.00 ns | 4.049 ns |   0.62 ns  |
    +--------+---------+----------+------------+

+ Latency:
    * Summary:
    +---------+---------+----------+----------+-----+-----+----------+
    |  Latency (cycles) |  Latency (absolute) |  Interval | Pipeline |
    |   min   |   max   |    min   |    max   | min | max |   Type   |
    +---------+---------+----------+----------+-----+-----+----------+
    |       10|       11| 50.000 ns| 55.000 ns|    8|    9| dataflow |
    +---------+---------+----------+----------+-----+-----+----------+

================================================================
== Utilization Estimates
================================================================
* Summary:
+---------------------+---------+-------+---------+---------+-----+
|         Name        | BRAM_18K| DSP48E|    FF   |   LUT   | URAM|
+---------------------+---------+-------+---------+---------+-----+
|DSP                  |        -|      -|        -|        -|    -|
|Instance             |        0|     73|     7937|     2440|    0|
+---------------------+---------+-------+---------+---------+-----+
|Total                |        0|     73|     7969|     2532|    0|
+---------------------+---------+-------+---------+---------+-----+
|Available            |      280|    220|   106400|    53200|    0|
+---------------------+---------+-------+---------+---------+-----+
"""

COSIM_RPT = """
+ Cosim Report for 'myproject':
================================================================
+---------+--------+-----------------------------+-----------------------------+----------------------+
|   RTL   | Status |           Latency           |           Interval          | Total Execution Time |
|         |        |  min  |  avg  |  max  |  min  |  avg  |  max  |                      |
+---------+--------+-----------------------------+-----------------------------+----------------------+
|     VHDL|      NA|     NA|     NA|     NA|     NA|     NA|     NA|                    NA|
|  Verilog|    Pass|     10|     10|     11|      8|      8|      9|                   120|
+---------+--------+-----------------------------+-----------------------------+----------------------+
"""


# Vitis HLS 2024 text report with the per-instance, expression and register detail tables after each
# summary: their own "Total" rows must not be read as the design's totals.
VITIS_RPT = """
================================================================
== Vitis HLS Report for 'myproject'
================================================================
* Version:        2024.1 (Build 5069499 on May 21 2024)
* Target device:  xcvu13p-flga2577-2-e

================================================================
== Performance Estimates
================================================================
+ Timing:
    * Summary:
    +--------+---------+----------+------------+
    |  Clock |  Target | Estimated| Uncertainty|
    +--------+---------+----------+------------+
    |ap_clk  |  5.00 ns|  3.417 ns|     1.35 ns|
    +--------+---------+----------+------------+

+ Latency:
    * Summary:
    +---------+---------+----------+----------+-----+-----+---------+
    |  Latency (cycles) |  Latency (absolute) |  Interval | Pipeline|
    |   min   |   max   |    min   |    max   | min | max |   Type  |
    +---------+---------+----------+----------+-----+-----+---------+
    |        4|        4|  20.000 ns|  20.000 ns|    4|    4|       no|
    +---------+---------+----------+----------+-----+-----+---------+

    + Detail:
        * Instance:
        +--------------------+-----------------+---------+---------+----------+----------+-----+-----+---------+
        |                    |                 |  Latency (cycles) |  Latency (absolute) |  Interval | Pipeline|
        |      Instance      |      Module     |   min   |   max   |    min   |    max   | min | max |   Type  |
        +--------------------+-----------------+---------+---------+----------+----------+-----+-----+---------+
        |dense_U0            |dense_s          |        1|        1|  5.000 ns|  5.000 ns|    1|    1|       no|
        +--------------------+-----------------+---------+---------+----------+----------+-----+-----+---------+

================================================================
== Utilization Estimates
================================================================
* Summary:
+-----------------+---------+------+--------+-------+-----+
|       Name      | BRAM_18K|  DSP |   FF   |  LUT  | URAM|
+-----------------+---------+------+--------+-------+-----+
|DSP              |        -|     -|       -|      -|    -|
|Instance         |        1|     2|      98|    251|    0|
|Register         |        -|     -|      12|      -|    -|
+-----------------+---------+------+--------+-------+-----+
|Total            |        1|     2|     110|    279|    0|
+-----------------+---------+------+--------+-------+-----+
|Available        |     5376| 12288| 3456000|1728000| 1280|
+-----------------+---------+------+--------+-------+-----+
|Utilization (%)  |       ~0|    ~0|      ~0|     ~0|    0|
+-----------------+---------+------+--------+-------+-----+

+ Detail:
    * Instance:
    +-----------+---------+---------+----+----+-----+-----+
    |  Instance |  Module | BRAM_18K| DSP| FF | LUT | URAM|
    +-----------+---------+---------+----+----+-----+-----+
    |dense_U0   |dense_s  |        0|   2|  60|  180|    0|
    +-----------+---------+---------+----+----+-----+-----+
    |Total      |         |        1|   2|  98|  251|    0|
    +-----------+---------+---------+----+----+-----+-----+

    * Register:
    +----------+----+----+-----+-----------+
    |   Name   | FF | LUT| Bits| Const Bits|
    +----------+----+----+-----+-----------+
    |ap_CS_fsm |  12|   0|   12|          0|
    +----------+----+----+-----+-----------+
    |Total     |  12|   0|   12|          0|
    +----------+----+----+-----+-----------+
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_xml_and_text_csynth_reports_give_the_same_figures(tmp_path: Path) -> None:
    xml = parse_csynth_xml(_write(tmp_path, "csynth.xml", CSYNTH_XML))
    rpt = parse_csynth_rpt(_write(tmp_path, "myproject_csynth.rpt", CSYNTH_RPT))
    for report in (xml, rpt):
        assert (report.latency_best, report.latency_worst, report.interval_min, report.interval_max) == (10, 11, 8, 9)
        assert report.estimated_clock_ns == pytest.approx(4.049) and report.target_clock_ns == pytest.approx(5.0)
        assert report.used["DSP48E"] == 73 and report.used["LUT"] == 2532 and report.available["FF"] == 106400
    record = to_record(xml)
    assert record["dsp"] == 73 and record["latency_cycles"] == 11 and record["ii_cycles"] == 9


def test_cosim_report_reads_the_passing_rtl_row(tmp_path: Path) -> None:
    figures = parse_cosim_rpt(_write(tmp_path, "myproject_cosim.rpt", COSIM_RPT))
    assert figures == {"latency_min": 10, "latency_avg": 10, "latency_max": 11, "ii_min": 8, "ii_avg": 8, "ii_max": 9}


def test_broken_reports_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a readable csynth XML"):
        parse_csynth_xml(_write(tmp_path, "bad.xml", "<profile><unclosed>"))
    with pytest.raises(UserError, match="no latency or utilisation"):
        parse_csynth_rpt(_write(tmp_path, "empty.rpt", "nothing here"))
    with pytest.raises(UserError, match="no passing"):
        parse_cosim_rpt(_write(tmp_path, "cosim.rpt", "|Verilog| Fail|"))


def test_vitis_text_report_reads_the_summaries_not_the_detail_tables(tmp_path: Path) -> None:
    report = parse_csynth_rpt(_write(tmp_path, "myproject_csynth.rpt", VITIS_RPT))
    assert (report.latency_best, report.latency_worst, report.interval_min, report.interval_max) == (4, 4, 4, 4)
    assert report.target_clock_ns == pytest.approx(5.0) and report.estimated_clock_ns == pytest.approx(3.417)
    assert report.used == {"BRAM_18K": 1, "DSP": 2, "FF": 110, "LUT": 279, "URAM": 0}
    assert report.available["DSP"] == 12288 and report.available["LUT"] == 1728000
    record = to_record(report)
    assert (record["dsp"], record["ff"], record["lut"], record["bram18k"]) == (2, 110, 279, 1)


def test_vendor_tool_is_found_on_path_and_absent_otherwise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_vendor_tool() is None
    tool = tmp_path / "vivado_hls"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    assert find_vendor_tool() == "vivado_hls"
