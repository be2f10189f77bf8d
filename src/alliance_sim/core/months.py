"""Months as people write them, read into the model's ``YYYY-MM`` form.

Scenario files say ``2023-09``, ``"2023-9"``, ``Sep 2023``, ``September 2023``, ``2023-11-15``
or (unquoted in YAML) a date; all name a month. A day-precise date maps to its month, since one
model step is one month. Anything else is refused with the forms that are accepted.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

#: The forms :func:`parse_month` accepts, for error messages.
ACCEPTED_FORMS = "YYYY-MM (2023-09), a date (2023-09-15), 'Sep 2023' or 'September 2023'"

_ISO = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_WORDS = re.compile(r"^([A-Za-z]+)\.?,?\s+(\d{4})$")
_MONTH_NAMES = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTH_NAMES["sept"] = 9


def parse_month(value: object) -> str:
    """The month ``value`` names, as ``YYYY-MM``.

    Args:
        value: A string in one of :data:`ACCEPTED_FORMS`, or a ``datetime.date``.

    Returns:
        The month, e.g. ``"2023-09"``.

    Raises:
        ValueError: When ``value`` names no month (the message lists the accepted forms).
    """
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value).strip()
    year = month = None
    if match := _ISO.match(text):
        year, month, day = int(match[1]), int(match[2]), match[3]
        if day is not None and 1 <= month <= 12:
            try:
                dt.date(year, month, int(day))
            except ValueError:
                raise ValueError(
                    f"{text!r} is not a date; expected a month written {ACCEPTED_FORMS}"
                ) from None
    elif match := _WORDS.match(text):
        month = _MONTH_NAMES.get(match[1].lower())
        year = int(match[2])
    if year is None or month is None or not 1 <= month <= 12:
        raise ValueError(f"expected a month written {ACCEPTED_FORMS}; got {text!r}")
    return f"{year:04d}-{month:02d}"
