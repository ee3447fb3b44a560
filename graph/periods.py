"""Dates at the precision the sources give them, and how they compare with a day.

The data keeps "2017" (xsd:gYear), "2021-09" (xsd:gYearMonth) or "2021-09-15" (xsd:date). A value of
lower precision is read as the span of days it covers, never padded to one day: "2017" is
2017-01-01 … 2017-12-31. Comparing a day with such a span has three outcomes: before, within
(uncertain) or after. Nothing here imports rdflib or networkx.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Literal

Precision = Literal["year", "month", "day"]

_PATTERN = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:Z|[+-]\d{2}:\d{2})?$")


class Position(Enum):
    """Where a day falls relative to a span."""

    BEFORE = "before"
    WITHIN = "within"
    AFTER = "after"


@dataclass(frozen=True)
class Span:
    """The days a source date covers, with the precision it was written in."""

    text: str
    first: date
    last: date
    precision: Precision

    @classmethod
    def parse(cls, text: str) -> Span:
        """Read a gYear, gYearMonth or date lexical form.

        >>> Span.parse("2021-09").last
        datetime.date(2021, 9, 30)
        >>> Span.parse("2017").precision
        'year'
        """
        match = _PATTERN.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a year, year-month or date")
        year = int(match.group(1))
        if match.group(3):
            day = date(year, int(match.group(2)), int(match.group(3)))
            return cls(text, day, day, "day")
        if match.group(2):
            month = int(match.group(2))
            if not 1 <= month <= 12:
                raise ValueError(f"{text!r} has no month {month}")
            end = calendar.monthrange(year, month)[1]
            return cls(text, date(year, month, 1), date(year, month, end), "month")
        return cls(text, date(year, 1, 1), date(year, 12, 31), "year")

    def locate(self, day: date) -> Position:
        """Whether a day is before, within or after this span.

        >>> Span.parse("2017").locate(date(2017, 6, 1))
        <Position.WITHIN: 'within'>
        """
        if day < self.first:
            return Position.BEFORE
        if day > self.last:
            return Position.AFTER
        return Position.WITHIN

    @property
    def exact(self) -> bool:
        return self.precision == "day"


def try_parse(text: str | None) -> Span | None:
    """Span.parse, or None for a missing or unreadable value (the caller reports it as unknown)."""
    if not text:
        return None
    try:
        return Span.parse(text)
    except ValueError:
        return None


def parse_day(text: str) -> date:
    """A query-string day (YYYY-MM-DD); ValueError names the expected form."""
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a date of the form YYYY-MM-DD") from error
