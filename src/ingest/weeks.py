"""arXiv announcement weeks: a submission time or listing date -> its ISO week, a week -> its windows.

The one rule (DESIGN.md, "Identity, weeks and dedup"): arXiv announces Monday to Friday at 20:00
US/Eastern the submissions received before 14:00 ET that day; Monday's batch holds Friday 14:00 ->
Monday 14:00. A paper's week is the ISO week of the US/Eastern date on which v1 was announced.
Holidays are not modelled (a missing announcement day only moves papers within the week, or
to the next one, as arXiv itself does). Pure functions, no I/O.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ingest.errors import WeekError

ET = ZoneInfo("America/New_York")
CUTOFF = time(14, 0)
ANNOUNCE = time(20, 0)
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")


def parse_week(text: str) -> tuple[int, int]:
    """'2026-W16' -> (2026, 16). Raises WeekError for malformed or non-existent weeks (2026-W60)."""
    m = _WEEK.match(text.strip())
    if not m:
        raise WeekError(f"invalid week {text!r}: expected YYYY-Www, e.g. 2026-W16")
    year, num = int(m.group(1)), int(m.group(2))
    try:
        date.fromisocalendar(year, num, 1)
    except ValueError:
        raise WeekError(f"unknown week {text!r}: {year} has no ISO week {num}") from None
    return year, num


def format_week(year: int, num: int) -> str:
    return f"{year}-W{num:02d}"


def normalize_week(text: str) -> str:
    """'2026-w6' -> '2026-W06' (validated)."""
    return format_week(*parse_week(text.upper()))


def week_of_date(day: date) -> str:
    """ISO week label of a calendar date (used for arXiv listing/announcement dates)."""
    iso = day.isocalendar()
    return format_week(iso.year, iso.week)


def announcement_date(submitted: datetime) -> date:
    """US/Eastern date on which a submission made at `submitted` (aware) is announced."""
    if submitted.tzinfo is None:
        raise ValueError("submitted must be timezone-aware")
    local = submitted.astimezone(ET)
    day, weekday = local.date(), local.weekday()  # Monday = 0
    if weekday < 5 and local.time() < CUTOFF:
        return day
    if weekday < 4:  # Mon-Thu after the cut-off: next day's batch
        return day + timedelta(days=1)
    return day + timedelta(days=7 - weekday)  # Fri after cut-off, Sat, Sun: Monday


def week_of_submission(submitted: datetime) -> str:
    """ISO week of the announcement of a submission made at `submitted`."""
    return week_of_date(announcement_date(submitted))


def announcement_days(week: str) -> list[date]:
    """The five announcement dates (Mon..Fri) of a week."""
    monday = date.fromisocalendar(*parse_week(week), 1)
    return [monday + timedelta(days=i) for i in range(5)]


def submission_window(week: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the submissions announced during `week`: Fri 14:00 ET -> Fri 14:00 ET."""
    monday = date.fromisocalendar(*parse_week(week), 1)
    start = datetime.combine(monday - timedelta(days=3), CUTOFF, tzinfo=ET)
    end = datetime.combine(monday + timedelta(days=4), CUTOFF, tzinfo=ET)
    return start.astimezone(UTC), end.astimezone(UTC)


def query_window(week: str, margin: timedelta = timedelta(days=1)) -> tuple[datetime, datetime]:
    """The submission window widened by `margin` on each side (GMT), for the arXiv query."""
    start, end = submission_window(week)
    return start - margin, end + margin


def week_end(week: str) -> datetime:
    """UTC instant of the week's last announcement (Friday 20:00 ET)."""
    friday = date.fromisocalendar(*parse_week(week), 5)
    return datetime.combine(friday, ANNOUNCE, tzinfo=ET).astimezone(UTC)


def last_complete_week(now: datetime | None = None) -> str:
    """The newest week whose Friday announcement has already happened at `now` (aware)."""
    now = now or datetime.now(UTC)
    candidate = week_of_date(now.astimezone(ET).date())
    if now >= week_end(candidate):
        return candidate
    return shift_week(candidate, -1)


def shift_week(week: str, delta: int) -> str:
    """The week `delta` weeks after (negative: before) `week`."""
    monday = date.fromisocalendar(*parse_week(week), 1) + timedelta(weeks=delta)
    return week_of_date(monday)


def weeks_between(first: str, last: str) -> list[str]:
    """Inclusive list of weeks from `first` to `last` (empty when first > last)."""
    out, cur = [], first
    end = date.fromisocalendar(*parse_week(last), 1)
    while date.fromisocalendar(*parse_week(cur), 1) <= end:
        out.append(cur)
        cur = shift_week(cur, 1)
    return out


def weeks_in_range(since: date, until: date) -> list[str]:
    """Weeks whose announcement days intersect [since, until]."""
    return weeks_between(week_of_date(since), week_of_date(until))
