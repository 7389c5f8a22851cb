"""Vendor report parsing on report files in the tools' own formats (written here, not produced by a tool)."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelbench.errors import UserError
from accelbench.fpga.reports import parse_cosim_rpt, parse_csynth_rpt, parse_csynth_xml, to_record

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
