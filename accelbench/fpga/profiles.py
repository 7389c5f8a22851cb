"""HLS tool profiles: the analytical model's constants per tool and hls4ml generation (``hls/profiles/*.toml``).

A profile file holds structural constants (operator delays, pipeline stages, LUT/FF terms, power
defaults) and a ``[fitted]`` table written by ``benchmarks/fpga_model_fit.py --write`` from the
``fit`` rows of the published data only, with the ids of those rows (``fitted_on``). A profile may
inherit another (``base``); ``inherits_fit = true`` takes the base's fitted table too (tool versions
with no published rows). ``[generation.legacy]`` overrides apply to designs from hls4ml before 0.6.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from accelbench.errors import UserError
from accelbench.fpga.parts import Part
from accelbench.locate import data_dir

#: Figures every profile carries an error band for (multipliers of the point value: [low, high]).
FIGURES = ("latency_cycles", "ii_cycles", "dsp", "lut", "ff", "bram18k")
#: hls4ml versions before this one are the "legacy" generation (every wide product on a DSP).
MODERN_HLS4ML = (0, 6)
#: Structural alternatives for when a product with a constant weight goes on a LUT multiplier instead of
#: a DSP (``lut_mult_rule``; the fit picks one per profile from fit rows, ties to the first):
#: "narrower" — the narrower operand has at most ``lut_mult_max_bits`` bits; "both" — both operands do.
LUT_MULT_RULES = ("narrower", "both")
#: The speed grade the operator delays (mult_ns, add_ns) are written for; its delay scale is 1 by definition.
REFERENCE_GRADE = "-2"
#: The family key of 7-series parts in ``family_delay_scale``.
SERIES7 = "7-series"


def grade_key(grade: str | None, table: dict[str, float]) -> str:
    """The entry of a speed-grade table for ``grade``: the grade as written when listed ("-2LV"), else
    its digit ("-2L" -> "-2"), else (no grade, or an unlisted digit) the reference grade -2."""
    if grade is None:
        return REFERENCE_GRADE
    return grade if grade in table else grade[:2] if grade[:2] in table else REFERENCE_GRADE


@dataclass(frozen=True)
class DelayScale:
    """How a part's speed grade (and family) scales the profile's operator delays (relative to -2).

    ``grade`` is the grade written in the part name (None: the name has none), ``key`` the entry of
    the profile's ``speed_grade_delay_scale`` used ("-2LV" when listed, else the grade's digit, "-2"
    without a grade); ``source`` says whether that value was fitted (and on how many fit rows) or is
    the datasheet prior. ``scale`` = grade scale x family scale (7-series parts only).
    """

    grade: str | None
    key: str
    grade_scale: float
    grade_source: str
    family: str = ""
    family_scale: float = 1.0
    family_source: str = ""

    @property
    def scale(self) -> float:
        return self.grade_scale * self.family_scale

    def describe(self) -> str:
        if self.grade:
            used = f" (as {self.key})" if self.key != self.grade else ""
            grade = f"speed grade {self.grade}{used}: {self.grade_scale:g}, {self.grade_source}"
        else:
            grade = f"no speed grade in the part name: the {REFERENCE_GRADE} delays (default scale 1)"
        family = f"; {self.family}: {self.family_scale:g}, {self.family_source}" if self.family else ""
        return f"operator delays x {self.scale:.3g} ({grade}{family})"

    def as_dict(self) -> dict[str, object]:
        return {"speed_grade": self.grade, "grade_key": self.key, "grade_scale": self.grade_scale,
                "grade_source": self.grade_source, "family": self.family or None,
                "family_scale": self.family_scale, "family_source": self.family_source or None,
                "delay_scale": round(self.scale, 4), "note": self.describe()}


@dataclass(frozen=True)
class Profile:
    """The model's constants for one HLS tool and hls4ml generation (units: ns, cycles, counts, W)."""

    tool: str
    label: str
    hls4ml_version: str
    generation: str
    clock_uncertainty: float
    mult_ns: float
    add_ns: float
    table_cycles: int
    softmax_cycles: int
    resource_extra_cycles: int
    stream_conv_extra_cycles: int
    stream_conv_extra_ii: int
    stream_stage_cycles: int
    recurrent_step_cycles: dict[str, int]
    lut_mult_max_bits: int
    constant_mapping_max_rf: int
    lut_per_mult: float
    lut_per_product: float
    lut_per_bit_product: float
    lut_per_adder_bit: float
    mux_lut_per_bit: float
    lut_per_table_lookup: float
    lut_per_layer: float
    ff_per_mult_stage: float
    ff_per_layer: float
    toggle_rate: float
    dynamic_w_at_200mhz: dict[str, float]
    csd_lut_max_digits: int
    csd_digits_range: tuple[int, int]
    extra_dense_cycles: int
    lut_scale: float
    ff_scale: float
    unknown_dsp_fraction: tuple[float, float, float]
    error: dict[str, tuple[float, float]]
    #: Operator-delay scale per speed grade ("-1", "-3", "-2LV", ...; "-2" = 1) and per family ("7-series").
    speed_grade_delay_scale: dict[str, float] = field(default_factory=lambda: {REFERENCE_GRADE: 1.0})
    family_delay_scale: dict[str, float] = field(default_factory=dict)
    #: Fit rows each fitted scale rests on (keys "-1", "7-series", ...); absent: the datasheet prior.
    delay_scale_rows: dict[str, int] = field(default_factory=dict)
    #: When a product goes on a LUT multiplier (:data:`LUT_MULT_RULES`), and on how many fit rows
    #: (designs + layers with a published DSP count) the fit chose it (0: the structural default).
    lut_mult_rule: str = LUT_MULT_RULES[0]
    lut_mult_rule_rows: int = 0
    #: Each candidate rule's median fit-row DSP error (profile_fit.dsp_fit_error) at the fit.
    lut_mult_rule_errors: dict[str, float] = field(default_factory=dict, compare=False)
    #: How many out-of-source ratios each error band rests on (benchmarks/fpga_model_fit.py).
    error_ratios: dict[str, int] = field(default_factory=dict, compare=False)
    #: How many ratios pooled over every fitted profile each band was checked against (a band with
    #: fewer than 19 own ratios is widened to the pooled band), and which sides the pool widened.
    error_pooled_ratios: dict[str, int] = field(default_factory=dict, compare=False)
    error_widened: dict[str, str] = field(default_factory=dict, compare=False)
    fitted_on: tuple[str, ...] = ()
    inherited_from: str = ""
    source: str = field(default="", compare=False)

    def effective_period_ns(self, clock_ns: float) -> float:
        """The period left for logic once the tool's default clock uncertainty is taken off (ns)."""
        return clock_ns * (1.0 - self.clock_uncertainty)

    def delay_scale(self, part: Part) -> DelayScale:
        """The operator-delay scale of ``part``: its speed grade's entry (the grade as written when
        listed, e.g. "-2LV", else its digit: "-2L" is a -2; a name without a grade: -2, said so)
        times the 7-series family factor for 7-series parts."""
        grade = part.speed_grade
        table = self.speed_grade_delay_scale
        key = grade_key(grade, table)
        family = SERIES7 if part.series7 and SERIES7 in self.family_delay_scale else ""
        return DelayScale(grade, key, table.get(key, 1.0), self._scale_source(key),
                          family, self.family_delay_scale.get(family, 1.0) if family else 1.0,
                          self._scale_source(family) if family else "")

    def _scale_source(self, key: str) -> str:
        if key == REFERENCE_GRADE:
            return "reference grade"
        rows = self.delay_scale_rows.get(key, 0)
        return f"fitted on {rows} fit rows of {self.tool}" if rows else "datasheet prior, no fit rows"

    def lut_mult_text(self) -> str:
        """Which LUT-multiplier rule the DSP counts come from, and where it comes from."""
        which = ("the narrower operand" if self.lut_mult_rule == "narrower" else "both operands")
        errors = ", ".join(f"{rule} {error:.0%}" for rule, error in self.lut_mult_rule_errors.items()
                           if math.isfinite(error))
        source = (f"chosen on {self.lut_mult_rule_rows} fit rows" + (f", median DSP error {errors}" if errors else "")
                  if self.lut_mult_rule_rows else "structural default")
        return (f"a product is a LUT multiplier when {which} {'has' if self.lut_mult_rule == 'narrower' else 'have'}"
                f" <= {self.lut_mult_max_bits} bits (rule {self.lut_mult_rule!r}, {source})")

    def describe(self) -> str:
        fit = f"fitted on {len(self.fitted_on)} published rows" if self.fitted_on else "no fitted rows"
        inherited = f", constants of {self.inherited_from}" if self.inherited_from else ""
        return (f"{self.tool} profile (hls4ml {self.hls4ml_version}, {self.generation} generation; {fit}{inherited}; "
                f"{self.lut_mult_text()})")


def list_tools() -> list[str]:
    """The tool profiles shipped in ``hls/profiles``, sorted."""
    return sorted(path.stem for path in (data_dir("hls") / "profiles").glob("*.toml"))


@cache
def _raw(tool: str) -> dict[str, Any]:
    path = data_dir("hls") / "profiles" / f"{tool}.toml"
    if not path.exists():
        raise UserError(f"unknown HLS tool profile {tool!r} (known: {', '.join(list_tools())})")
    return tomllib.loads(path.read_text())


def _merged(tool: str) -> tuple[dict[str, Any], str]:
    """The profile's keys with its base's filled in, and the name whose fitted table applies."""
    raw = _raw(tool)
    if "base" not in raw:
        return {**raw, **raw.get("fitted", {})}, ""
    base, _ = _merged(str(raw["base"]))
    own = {key: value for key, value in raw.items() if key not in ("fitted", "base")}
    fitted = base_fitted = {key: base[key] for key in _raw_fitted_keys(str(raw["base"]))}
    if not raw.get("inherits_fit"):
        fitted = {**base_fitted, **raw.get("fitted", {})}
    merged = {**base, **own, **fitted}
    merged["generation"] = {**base.get("generation", {}), **raw.get("generation", {})}
    return merged, str(raw["base"]) if raw.get("inherits_fit") else ""


def structural(tool: str) -> dict[str, Any]:
    """The profile's keys without any ``[fitted]`` table (its own and its bases'): a fit's starting point."""
    raw = _raw(tool)
    own = {key: value for key, value in raw.items() if key not in ("fitted", "base")}
    return {**structural(str(raw["base"])), **own} if "base" in raw else own


def _raw_fitted_keys(tool: str) -> list[str]:
    raw = _raw(tool)
    keys = list(raw.get("fitted", {}))
    return keys + (_raw_fitted_keys(str(raw["base"])) if "base" in raw else [])


def version_tuple(text: str) -> tuple[int, ...]:
    """``"1.3.0"`` -> (1, 3, 0); unparsable text -> ()."""
    numbers = re.findall(r"\d+", text)
    return tuple(int(n) for n in numbers[:3])


def installed_hls4ml() -> str:
    """The installed hls4ml's version ("unknown" without hls4ml)."""
    try:
        from importlib.metadata import version

        return version("hls4ml")
    except Exception:
        return "unknown"


def default_tool(hls4ml_version: str | None = None) -> str:
    """The Vitis HLS version an hls4ml release targets (its test baselines): 1.x -> 2024.1, 0.8 -> 2022.2."""
    numbers = version_tuple(hls4ml_version or installed_hls4ml())
    if numbers and numbers >= (1, 0):
        return "vitis-hls-2024.1"
    if numbers and numbers >= (0, 8):
        return "vitis-hls-2022.2"
    return "vivado-hls-2020.1"


def tool_for(label: str) -> str:
    """The profile for a tool as reports write it ("Vivado HLS 2019.2", "Vitis HLS 2024.2")."""
    text = label.lower()
    numbers = version_tuple(text)
    year = numbers[0] if numbers else 0
    if "vitis" in text:
        if year >= 2024:
            return "vitis-hls-2024.1"
        return "vitis-hls-2023.1" if year == 2023 else "vitis-hls-2022.2"
    return "vivado-hls-2020.1" if numbers[:2] >= (2020, 1) else "vivado-hls-2019.2"


@cache
def get_profile(tool: str | None = None, hls4ml_version: str | None = None) -> Profile:
    """The profile of ``tool`` (default: :func:`default_tool`) for designs from ``hls4ml_version``."""
    version = hls4ml_version or installed_hls4ml()
    name = tool or default_tool(version)
    values, inherited = _merged(name)
    numbers = version_tuple(version)
    generation = "legacy" if numbers and numbers < MODERN_HLS4ML else "modern"
    if generation == "legacy":
        values = {**values, **values.get("generation", {}).get("legacy", {})}
    error_ratios = {fig: int(n) for fig, n in values.get("error_ratios", {}).items()}
    error_pooled_ratios = {fig: int(n) for fig, n in values.get("error_pooled_ratios", {}).items()}
    error_widened = {fig: str(side) for fig, side in values.get("error_widened", {}).items()}
    error = {fig: (float(band[0]), float(band[1])) for fig, band in values["error"].items()}
    missing = [fig for fig in FIGURES if fig not in error]
    if missing:
        raise ValueError(f"profile {name}: no error band for {', '.join(missing)}")
    low, high = values["csd_digits_range"]
    rule = str(values.get("lut_mult_rule", LUT_MULT_RULES[0]))
    if rule not in LUT_MULT_RULES:
        raise ValueError(f"profile {name}: unknown lut_mult_rule {rule!r} (known: {', '.join(LUT_MULT_RULES)})")
    return Profile(
        tool=name, label=str(values["label"]), hls4ml_version=version, generation=generation,
        clock_uncertainty=float(values["clock_uncertainty"]), mult_ns=float(values["mult_ns"]),
        add_ns=float(values["add_ns"]), table_cycles=int(values["table_cycles"]),
        softmax_cycles=int(values["softmax_cycles"]), resource_extra_cycles=int(values["resource_extra_cycles"]),
        stream_conv_extra_cycles=int(values["stream_conv_extra_cycles"]),
        stream_conv_extra_ii=int(values["stream_conv_extra_ii"]),
        stream_stage_cycles=int(values["stream_stage_cycles"]),
        recurrent_step_cycles={k: int(v) for k, v in values["recurrent_step_cycles"].items()},
        lut_mult_max_bits=int(values["lut_mult_max_bits"]),
        constant_mapping_max_rf=int(values["constant_mapping_max_rf"]),
        lut_per_mult=float(values["lut_per_mult"]), lut_per_product=float(values["lut_per_product"]),
        lut_per_bit_product=float(values["lut_per_bit_product"]),
        lut_per_adder_bit=float(values["lut_per_adder_bit"]), mux_lut_per_bit=float(values["mux_lut_per_bit"]),
        lut_per_table_lookup=float(values["lut_per_table_lookup"]), lut_per_layer=float(values["lut_per_layer"]),
        ff_per_mult_stage=float(values["ff_per_mult_stage"]), ff_per_layer=float(values["ff_per_layer"]),
        toggle_rate=float(values["toggle_rate"]),
        dynamic_w_at_200mhz={k: float(v) for k, v in values["dynamic_w_at_200mhz"].items()},
        csd_lut_max_digits=int(values["csd_lut_max_digits"]),
        csd_digits_range=(int(low), int(high)) if generation == "modern" else (1, 1),
        extra_dense_cycles=int(values["extra_dense_cycles"]), lut_scale=float(values["lut_scale"]),
        ff_scale=float(values["ff_scale"]),
        unknown_dsp_fraction=tuple(float(v) for v in values["unknown_dsp_fraction"]),  # type: ignore[arg-type]
        error=error, error_ratios=error_ratios,
        error_pooled_ratios=error_pooled_ratios, error_widened=error_widened,
        speed_grade_delay_scale={str(k): float(v) for k, v in values.get("speed_grade_delay_scale", {}).items()}
        | {REFERENCE_GRADE: 1.0},
        family_delay_scale={str(k): float(v) for k, v in values.get("family_delay_scale", {}).items()},
        delay_scale_rows={str(k): int(v) for k, v in values.get("delay_scale_rows", {}).items()},
        lut_mult_rule=rule, lut_mult_rule_rows=int(values.get("lut_mult_rule_rows", 0)),
        lut_mult_rule_errors={str(k): float(v) for k, v in values.get("lut_mult_rule_errors", {}).items()},
        fitted_on=tuple(values.get("fitted_on", ())), inherited_from=inherited,
        source=f"hls/profiles/{name}.toml",
    )


def generation_overrides(profile: Profile) -> dict[str, Any]:
    """The fields ``profile``'s hls4ml generation sets over the tool's (``[generation.legacy]``; {} if modern).

    Fitting replaces a profile's fitted fields (:func:`dataclasses.replace`); a legacy design must
    keep its generation's values on top, as :func:`get_profile` gives them, or the fit would model
    it differently from the evaluation.
    """
    if profile.generation != "legacy":
        return {}
    table = _merged(profile.tool)[0].get("generation", {}).get("legacy", {})
    converters: dict[str, Any] = {"unknown_dsp_fraction": lambda v: tuple(float(x) for x in v),
                                  "csd_digits_range": lambda v: (int(v[0]), int(v[1]))}
    out = {key: converters.get(key, type(getattr(profile, key)))(value) for key, value in table.items()}
    out["csd_digits_range"] = (1, 1)
    return out

