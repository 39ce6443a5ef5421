"""The announcement-week rule (weeks.py): cut-offs, weekends, DST, windows and bad weeks."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ingest.errors import WeekError
from ingest.weeks import (
    announcement_date,
    last_complete_week,
    normalize_week,
    parse_week,
    shift_week,
    submission_window,
    week_of_submission,
    weeks_between,
)

ET = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("submitted", "announced"),
    [
        (datetime(2026, 4, 13, 13, 59, tzinfo=ET), date(2026, 4, 13)),  # Mon before cut-off -> Mon
        (datetime(2026, 4, 13, 14, 0, tzinfo=ET), date(2026, 4, 14)),  # Mon at cut-off -> Tue
        (datetime(2026, 4, 16, 23, 0, tzinfo=ET), date(2026, 4, 17)),  # Thu night -> Fri
        (datetime(2026, 4, 17, 14, 1, tzinfo=ET), date(2026, 4, 20)),  # Fri after cut-off -> next Mon
        (datetime(2026, 4, 18, 9, 0, tzinfo=ET), date(2026, 4, 20)),  # Sat -> Mon
        (datetime(2026, 4, 19, 23, 59, tzinfo=ET), date(2026, 4, 20)),  # Sun -> Mon
    ],
)
def test_announcement_date(submitted: datetime, announced: date) -> None:
    assert announcement_date(submitted) == announced


def test_dst_switch_uses_eastern_wall_clock() -> None:
    # 2026-03-08 US DST starts; 18:30 UTC on Mon 03-09 is 14:30 EDT (after cut-off) -> Tue
    assert announcement_date(datetime(2026, 3, 9, 18, 30, tzinfo=UTC)) == date(2026, 3, 10)
    # in winter (EST) the same 18:30 UTC is 13:30 EST (before cut-off) -> same day
    assert announcement_date(datetime(2026, 2, 9, 18, 30, tzinfo=UTC)) == date(2026, 2, 9)


def test_week_of_submission_friday_evening_goes_to_next_week() -> None:
    assert week_of_submission(datetime(2026, 4, 17, 19, 0, tzinfo=UTC)) == "2026-W17"
    assert week_of_submission(datetime(2026, 4, 17, 17, 0, tzinfo=UTC)) == "2026-W16"


def test_submission_window_of_w16() -> None:
    start, end = submission_window("2026-W16")
    assert start == datetime(2026, 4, 10, 18, 0, tzinfo=UTC)  # Fri 14:00 EDT
    assert end == datetime(2026, 4, 17, 18, 0, tzinfo=UTC)
    assert week_of_submission(start) == "2026-W16"


@pytest.mark.parametrize("bad", ["2026-W60", "2026-W00", "2026-16", "W16", "", "2025-W53"])
def test_bad_weeks_are_rejected(bad: str) -> None:
    with pytest.raises(WeekError):
        parse_week(bad)


def test_week_arithmetic() -> None:
    assert normalize_week("2026-w6") == "2026-W06"
    assert shift_week("2026-W01", -1) == "2025-W52"
    assert shift_week("2020-W53", 1) == "2021-W01"
    assert weeks_between("2026-W15", "2026-W17") == ["2026-W15", "2026-W16", "2026-W17"]


def test_last_complete_week() -> None:
    friday_before = datetime(2026, 4, 17, 23, 0, tzinfo=UTC)  # Fri 19:00 EDT
    friday_after = datetime(2026, 4, 18, 0, 30, tzinfo=UTC)  # Fri 20:30 EDT
    assert last_complete_week(friday_before) == "2026-W15"
    assert last_complete_week(friday_after) == "2026-W16"
    assert last_complete_week(datetime(2026, 4, 20, 6, 0, tzinfo=UTC)) == "2026-W16"
