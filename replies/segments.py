"""SMS segment counting, the one place that knows GSM-7 and UCS-2 limits."""
from dataclasses import dataclass

_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets or UTF-16 code units
    count: int
    per_segment: int
    remaining: int  # units left in the last segment

    def as_dict(self) -> dict:
        return {"encoding": self.encoding, "units": self.units, "count": self.count, "remaining": self.remaining}


def count(text: str) -> Segments:
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        return _split("GSM-7", units, single=160, multi=153)
    units = len(text.encode("utf-16-le")) // 2
    return _split("UCS-2", units, single=70, multi=67)


def _split(encoding: str, units: int, single: int, multi: int) -> Segments:
    if units <= single:
        return Segments(encoding, units, 1 if units else 0, single, single - units)
    parts = -(-units // multi)
    return Segments(encoding, units, parts, multi, parts * multi - units)


def fits_one(text: str) -> bool:
    return count(text).count <= 1
