"""Numbers as a reader sees them (thousands separators, yuan, %); never 'None' or 'nan'."""
from __future__ import annotations

import math

DASH = "–"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def integer(value) -> str:
    return DASH if _missing(value) else f"{round(float(value)):,}"


def number(value, digits: int = 1) -> str:
    return DASH if _missing(value) else f"{float(value):,.{digits}f}"


def percent(value, digits: int = 1) -> str:
    """A share 0-1 as a percentage."""
    return DASH if _missing(value) else f"{float(value) * 100:.{digits}f}%"


def signed_percent(value, digits: int = 1) -> str:
    return DASH if _missing(value) else f"{float(value) * 100:+.{digits}f}%"


def yuan(value, lang: str, digits: int = 0) -> str:
    if _missing(value):
        return DASH
    if float(value) < 0:
        return "-" + yuan(-float(value), lang, digits)
    amount = f"{float(value):,.{digits}f}"
    return f"{amount} 元" if lang == "zh" else f"¥{amount}"


def signed_yuan(value, lang: str) -> str:
    if _missing(value):
        return DASH
    sign = "+" if float(value) >= 0 else "-"
    amount = f"{abs(float(value)):,.0f}"
    return f"{sign}{amount} 元" if lang == "zh" else f"{sign}¥{amount}"


def value(value) -> float:
    """A chart value: a missing number draws as 0 (the table beside it shows the dash)."""
    return 0.0 if _missing(value) else float(value)
