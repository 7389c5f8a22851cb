"""Parse and validate hls4ml fixed-point precision strings such as ``ap_fixed<16,6,AP_RND_CONV,AP_SAT>``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from accelbench.errors import UserError

QUANTIZATION = ("AP_TRN", "AP_TRN_ZERO", "AP_RND", "AP_RND_ZERO", "AP_RND_INF", "AP_RND_MIN_INF", "AP_RND_CONV")
OVERFLOW = ("AP_WRAP", "AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM")
DEFAULT_QUANTIZATION = "AP_RND_CONV"
DEFAULT_OVERFLOW = "AP_SAT"

_PATTERN = re.compile(r"^(ap_fixed|ap_ufixed)<\s*(-?\d+)\s*,\s*(-?\d+)\s*(?:,\s*(\w+)\s*)?(?:,\s*(\w+)\s*)?>$")


@dataclass(frozen=True)
class FixedPoint:
    """A fixed-point type: ``width`` bits of which ``integer`` are integer bits (sign included)."""

    width: int
    integer: int
    signed: bool = True
    quantization: str = DEFAULT_QUANTIZATION
    overflow: str = DEFAULT_OVERFLOW

    @property
    def fractional(self) -> int:
        return self.width - self.integer

    @property
    def lsb(self) -> float:
        """The value of the least significant bit."""
        return float(2.0 ** -self.fractional)

    def hls(self) -> str:
        """The type as hls4ml writes it."""
        kind = "ap_fixed" if self.signed else "ap_ufixed"
        return f"{kind}<{self.width},{self.integer},{self.quantization},{self.overflow}>"


def parse_precision(text: str) -> FixedPoint:
    """``ap_fixed<W,I[,Q[,O]]>`` -> FixedPoint, with rounding and saturation by default."""
    match = _PATTERN.match(text.strip())
    if not match:
        raise UserError(
            f"precision {text!r} is not of the form ap_fixed<W,I> or ap_fixed<W,I,QUANTIZATION,OVERFLOW>"
        )
    kind, width_s, integer_s, quant, overflow = match.groups()
    width, integer = int(width_s), int(integer_s)
    if not 2 <= width <= 64:
        raise UserError(f"precision {text!r}: width must be 2..64 bits, got {width}")
    if integer > width or integer < -width:
        raise UserError(f"precision {text!r}: integer bits {integer} must be within -{width}..{width}")
    quant = quant or DEFAULT_QUANTIZATION
    overflow = overflow or DEFAULT_OVERFLOW
    if quant not in QUANTIZATION:
        raise UserError(f"precision {text!r}: quantization mode must be one of {', '.join(QUANTIZATION)}")
    if overflow not in OVERFLOW:
        raise UserError(f"precision {text!r}: overflow mode must be one of {', '.join(OVERFLOW)}")
    return FixedPoint(width, integer, kind == "ap_fixed", quant, overflow)
