"""Schedule: Monday 06:00 UTC by day name (weekday-numbering trap), explicit timezone, the job stored
in the database without secrets, and the catch-up of missed weeks as a function over the run table."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlmodel import Session

from ingest import schedule
from ingest.db.models import Run
from ingest.db.runlog import missed_weeks
from ingest.errors import ConfigError
from test_config import CANARY, run_cli

NOW = datetime(2026, 4, 29, 12, 0, tzinfo=UTC)  # Wednesday of 2026-W18; last complete: W17


def test_default_fire_times_are_mondays_0600_utc(settings):
    times = schedule.next_fire_times(settings, 6, now=NOW)
    assert [t.isoformat() for t in times[:2]] == ["2026-05-04T06:00:00+00:00", "2026-05-11T06:00:00+00:00"]
    assert all(t.weekday() == 0 and (t.hour, t.minute) == (6, 0) for t in times)
    assert all(t.utcoffset() == timedelta(0) for t in times)
    assert all(b - a == timedelta(days=7) for a, b in zip(times, times[1:], strict=False))


def test_fire_time_right_at_the_boundary_is_the_next_week(settings):
    at = datetime(2026, 5, 4, 6, 0, 1, tzinfo=UTC)
    assert schedule.next_fire_times(settings, 1, now=at) == [datetime(2026, 5, 11, 6, 0, tzinfo=UTC)]


def test_explicit_timezone_follows_dst(settings):
    ny = settings.model_copy(
        update={
            "schedule_timezone": "America/New_York",
            "schedule_day": "tue",
            "schedule_hour": 6,
            "schedule_minute": 30,
        }
    )
    winter = schedule.next_fire_times(ny, 1, now=datetime(2026, 1, 5, tzinfo=UTC))[0]
    summer = schedule.next_fire_times(ny, 1, now=datetime(2026, 7, 6, tzinfo=UTC))[0]
    assert winter.astimezone(UTC).isoformat() == "2026-01-06T11:30:00+00:00"
    assert summer.astimezone(UTC).isoformat() == "2026-07-07T10:30:00+00:00"


@pytest.mark.parametrize("day", ["1", "0", "mon,2", "monday"])
def test_numeric_or_unknown_days_are_rejected(settings, day):
    with pytest.raises(ConfigError, match="use day names"):
        schedule.build_trigger(settings.model_copy(update={"schedule_day": day}))


def test_unknown_timezone_is_a_config_error(settings):
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        schedule.next_fire_times(settings.model_copy(update={"schedule_timezone": "Mars/Olympus"}), 1)


def _runs(engine, *rows: tuple[str, str]) -> None:
    with Session(engine) as session:
        for week, status in rows:
            session.add(Run(kind="run", week=week, status=status))
        session.add(Run(kind="crawl", week="2026-W17", status="ok"))  # stage runs do not count
        session.commit()


def test_missed_weeks_on_a_fresh_database_is_only_the_last_complete_week(engine):
    assert missed_weeks(engine, 4, now=NOW) == ["2026-W17"]
    assert missed_weeks(engine, 0, now=NOW) == []


def test_missed_weeks_since_last_ok_run_bounded(engine):
    _runs(engine, ("2026-W10", "ok"), ("2026-W12", "failed"), ("2026-W14", "partial"))
    assert missed_weeks(engine, 4, now=NOW) == ["2026-W14", "2026-W15", "2026-W16", "2026-W17"]
    assert missed_weeks(engine, 10, now=NOW) == [f"2026-W{n}" for n in range(11, 18)]
    assert missed_weeks(engine, 1, now=NOW) == ["2026-W17"]


def test_missed_weeks_skips_weeks_already_ok(engine):
    _runs(engine, ("2026-W15", "ok"), ("2026-W17", "ok"))
    assert missed_weeks(engine, 4, now=NOW) == []
    _runs(engine, ("2026-W18", "failed"))
    later = NOW + timedelta(days=7)  # W19's Wednesday: W18 is complete and not ok
    assert missed_weeks(engine, 4, now=later) == ["2026-W18"]


def test_job_is_stored_once_in_the_database_without_secrets(settings, engine):
    secret = settings.model_copy(update={"openai_api_key": SecretStr(CANARY), "backend": "openai"})
    for _ in range(2):  # a restart replaces the job, never duplicates it
        scheduler = schedule.build_scheduler(secret, blocking=False)
        scheduler.start(paused=True)
        job = scheduler.get_job(schedule.JOB_ID)
        assert job.func_ref == "ingest.schedule:scheduled_run"
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3 * 86400)
        assert job.next_run_time.weekday() == 0 and job.next_run_time.hour == 6
        assert str(job.trigger.timezone) == "UTC"
        scheduler.shutdown(wait=False)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, job_state FROM apscheduler_jobs")).all()
    assert [r[0] for r in rows] == [schedule.JOB_ID]
    state = pickle.loads(rows[0][1])
    assert state["args"] == () and state["kwargs"] == {}
    assert CANARY.encode() not in rows[0][1]


def test_cli_dry_run_prints_next_mondays(tmp_path):
    res = run_cli("--db", str(tmp_path / "x.sqlite3"), "schedule", "--dry-run", "--count", "3")
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "schedule: mon 06:00 UTC"
    assert len(lines) == 4
    assert all(line.startswith("Mon ") and line.endswith(" 06:00 UTC") for line in lines[1:])
    assert not (tmp_path / "x.sqlite3").exists()  # a dry run touches nothing
