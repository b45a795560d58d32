"""Reporting periods: rolling windows ending at a month, compared with the window before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def add_months(month: date, n: int) -> date:
    """The first day of the month n months after ``month`` (n may be negative)."""
    index = month.year * 12 + (month.month - 1) + n
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> date:
    """'2025-06' or '2025-06-01' → date(2025, 6, 1); ValueError with a plain message otherwise."""
    try:
        year, month = (int(part) for part in str(text).strip()[:7].split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise ValueError(f"'{text}' is not a month; expected YYYY-MM, e.g. 2025-06") from None


def month_label(month: date) -> str:
    """date(2025, 6, 1) → 'Jun 2025'."""
    return month.strftime("%b %Y")


@dataclass(frozen=True)
class Period:
    """``months`` months ending with ``end`` (inclusive), and the same length immediately before."""

    end: date
    months: int = 12

    @property
    def start(self) -> date:
        return add_months(self.end, -(self.months - 1))

    @property
    def previous_end(self) -> date:
        return add_months(self.start, -1)

    @property
    def previous_start(self) -> date:
        return add_months(self.start, -self.months)

    @property
    def label(self) -> str:
        return f"{month_label(self.start)} – {month_label(self.end)}"

    @property
    def previous_label(self) -> str:
        return f"{month_label(self.previous_start)} – {month_label(self.previous_end)}"
