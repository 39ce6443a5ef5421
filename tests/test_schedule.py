"""Schedule: Monday 06:00 UTC by day name (weekday-numbering trap), explicit timezone, the job stored
in the database without secrets, and the catch-up of missed weeks as a function over the run table."""

from __future__ import annotations

import pickle
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlmodel import Session

from conftest import week_records
from fakearxiv import FakeArxiv
from ingest import schedule
from ingest.db import engine as db
from ingest.db.models import Run
from ingest.db.runlog import missed_weeks
from ingest.errors import ConfigError
from ingest.weeks import last_complete_week, shift_week
from test_config import CANARY, run_cli
from watched import Watched, ingest_env, runs

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
    assert missed_weeks(engine, 0, now=NOW) == ["2026-W17"]  # catchup_weeks = 0 still runs the week


def test_missed_weeks_are_the_last_complete_week_and_at_most_n_before_it(engine):
    _runs(engine, ("2026-W10", "ok"), ("2026-W12", "failed"), ("2026-W14", "partial"))
    assert missed_weeks(engine, 4, now=NOW) == ["2026-W13", "2026-W14", "2026-W15", "2026-W16", "2026-W17"]
    assert missed_weeks(engine, 10, now=NOW) == [f"2026-W{n}" for n in range(11, 18)]
    assert missed_weeks(engine, 1, now=NOW) == ["2026-W16", "2026-W17"]
    assert missed_weeks(engine, 0, now=NOW) == ["2026-W17"]


def test_runs_of_weeks_not_complete_yet_do_not_hide_missed_weeks(engine):
    _runs(engine, ("2026-W15", "ok"), ("2026-W18", "ok"))  # W18 (this week) was run by hand
    assert missed_weeks(engine, 4, now=NOW) == ["2026-W16", "2026-W17"]


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


# ---------------------------------------------------------------- a real scheduler in a child process
# `ingest schedule` runs against the fake arXiv server (every week it is asked for holds 6 real W16
# records, re-dated into that week) with the offline backend; the test waits on the child's own log
# lines and reads the run log it writes. A fire time is a schedule setting a few seconds ahead; a
# child that starts after it (a loaded machine) is replaced by one in a fresh database whose lead is
# chosen from how long that child took to log its start, so no outcome depends on how fast the
# machine is.

PER_WEEK = 6
FIRST_LEAD = 8  # seconds between launching the first child and its fire time
ATTEMPTS = 3


@pytest.fixture
def arxiv():
    with FakeArxiv.any_week(week_records("2026-W16"), per_week=PER_WEEK) as fake:
        yield fake


def _child_env(workdir: Path, arxiv: FakeArxiv, at: datetime, **extra: object) -> dict[str, str]:
    return ingest_env(
        workdir,
        arxiv_query_url=arxiv.query_url,
        arxiv_delay_seconds=0,
        schedule_day=at.strftime("%a").lower(),
        schedule_hour=at.hour,
        schedule_minute=at.minute,
        schedule_second=at.second,
        schedule_timezone="UTC",
        **extra,
    )


def _schedule(workdir: Path, env: dict[str, str]) -> Watched:
    return Watched(["-v", "--db", str(workdir / "ingest.sqlite3"), "schedule"], workdir, env)


def _database(workdir: Path, ok_week: str) -> Path:
    """A migrated database in `workdir` whose newest successful run is of `ok_week`."""
    workdir.mkdir()
    path = workdir / "ingest.sqlite3"
    with Session(db.open_engine(f"sqlite:///{path}")) as session:
        session.add(Run(kind="run", week=ok_week, status="ok", pid=1))
        session.commit()
    return path


def _stored_next_run(path: Path) -> datetime:
    with db.open_engine(f"sqlite:///{path}").connect() as conn:
        stamp = conn.execute(text("SELECT next_run_time FROM apscheduler_jobs")).scalar_one()
    return datetime.fromtimestamp(stamp, UTC)


def _moved_on(path: Path, fire: datetime) -> bool:
    """Waits (polling the job table, at most 60 s) until the stored job's next fire time is the one a
    week after `fire`; whether it got there."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _stored_next_run(path) == fire + timedelta(days=7):
            return True
        time.sleep(0.05)
    return False


def _in_time(tmp_path: Path, arxiv: FakeArxiv, ok_week: str, event: str, **extra: object):
    """A scheduler child with a fire time ahead that logged `schedule event=<event> next=<that time>`
    before that time: (child, fire time, workdir). A child late for its fire time is replaced by one
    with a lead of twice the time that child took to log its start, plus 2 s."""
    lead = float(FIRST_LEAD)
    for attempt in range(ATTEMPTS):
        workdir = tmp_path / f"attempt{attempt}"
        _database(workdir, ok_week)
        launched = time.monotonic()
        fire = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=round(lead))
        child = _schedule(workdir, _child_env(workdir, arxiv, fire, **extra))
        try:
            planned = child.wait_for(rf"schedule event={event} next=(\S+)$", timeout=lead + 60).group(1)
        except BaseException:
            child.stop(signal.SIGKILL)
            raise
        took = time.monotonic() - launched
        if planned == fire.isoformat() and datetime.now(UTC) < fire - timedelta(seconds=1):
            return child, fire, workdir
        child.stop(signal.SIGKILL)  # it got there too late: try again with a lead fitted to its start
        lead = max(lead, 2 * took + 2)
    pytest.fail(f"no scheduler child of {ATTEMPTS} was ready before its fire time (last lead {lead:.0f} s)")


def test_a_real_firing_runs_the_last_complete_week_also_with_catchup_weeks_0(tmp_path, arxiv):
    latest = last_complete_week()
    seeded = shift_week(latest, -3)  # two missed weeks before the last complete one
    child, fire, workdir = _in_time(tmp_path, arxiv, seeded, "start", catchup_weeks=0)
    with child:
        child.wait_for(rf"schedule event=caught_up weeks_ok={latest}$")
        child.wait_for(rf"schedule event=fired weeks_ok={latest}$", timeout=120)
        child.wait_for(r"schedule event=waiting next=")
        assert _moved_on(workdir / "ingest.sqlite3", fire)
        assert child.stop() == 0
    rows = runs(workdir / "ingest.sqlite3")
    assert [(r.week, r.status) for r in rows] == [(seeded, "ok"), (latest, "ok"), (latest, "ok")]
    caught_up, fired = rows[1:]
    assert caught_up.pid == fired.pid == child.proc.pid
    assert datetime.fromisoformat(fired.started_at).replace(tzinfo=UTC) >= fire
    assert (caught_up.counts["new"], fired.counts["new"]) == (PER_WEEK, 0)  # the firing re-ran it: 0 new
    assert len(arxiv.windows) == 1  # the missed weeks before it were not crawled (catchup_weeks = 0)


def test_on_start_the_missed_weeks_are_caught_up_at_most_catchup_weeks(tmp_path, arxiv):
    latest = last_complete_week()
    path = _database(tmp_path / "db", shift_week(latest, -4))
    later = datetime.now(UTC) + timedelta(days=3)  # no firing during the test
    with _schedule(path.parent, _child_env(path.parent, arxiv, later, catchup_weeks=2)) as child:
        weeks = [shift_week(latest, -2), shift_week(latest, -1), latest]
        child.wait_for(rf"schedule event=caught_up weeks_ok={','.join(weeks)}$", timeout=120)
        child.wait_for(r"schedule event=waiting next=")
        assert child.stop() == 0
    rows = runs(path)[1:]
    assert [(r.week, r.status, r.counts["new"]) for r in rows] == [(w, "ok", PER_WEEK) for w in weeks]
    assert "event=fired" not in child.log


def _down_over_the_fire_time(tmp_path: Path, settings, **extra: object) -> tuple[datetime, Path]:
    """The database as a scheduler stopped shortly before its fire time leaves it (job stored, next
    fire time ahead), once that time has passed: (fire time, workdir)."""
    for attempt, lead in enumerate((2, 6, 20)):
        workdir = tmp_path / f"attempt{attempt}"
        path = _database(workdir, last_complete_week())  # nothing to catch up: only a firing runs
        fire = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=lead)
        weekly = settings.model_copy(
            update={
                "db_url": f"sqlite:///{path}",
                "schedule_day": fire.strftime("%a").lower(),
                "schedule_hour": fire.hour,
                "schedule_minute": fire.minute,
                "schedule_second": fire.second,
                **extra,
            }
        )
        scheduler = schedule.build_scheduler(weekly, blocking=False)
        scheduler.start(paused=True)
        scheduler.shutdown(wait=False)
        if _stored_next_run(path) == fire and datetime.now(UTC) < fire:
            while datetime.now(UTC) < fire + timedelta(seconds=1.2):  # down at the fire time
                time.sleep(0.05)
            return fire, workdir
    pytest.fail("the scheduler in this process did not stop before its fire time")


def test_a_firing_missed_while_down_runs_once_when_the_scheduler_is_back(tmp_path, settings, arxiv):
    fire, workdir = _down_over_the_fire_time(tmp_path, settings)  # misfire_grace_days: 3
    latest = last_complete_week()
    with _schedule(workdir, _child_env(workdir, arxiv, fire)) as child:
        assert child.wait_for(r"schedule event=start next=(\S+)").group(1) == fire.isoformat()
        child.wait_for(r"schedule event=caught_up weeks_ok=-$")
        child.wait_for(rf"schedule event=fired weeks_ok={latest}$", timeout=120)
        child.wait_for(r"schedule event=waiting next=")
        assert _moved_on(workdir / "ingest.sqlite3", fire)
        assert child.stop() == 0
    fired = runs(workdir / "ingest.sqlite3")[1:]
    assert [(r.week, r.status, r.pid) for r in fired] == [(latest, "ok", child.proc.pid)]


def test_a_firing_missed_beyond_the_grace_is_skipped(tmp_path, settings, arxiv):
    grace = {"misfire_grace_days": 1 / 86400}  # one second; the scheduler is back 1.2 s late or more
    fire, workdir = _down_over_the_fire_time(tmp_path, settings, **grace)
    with _schedule(workdir, _child_env(workdir, arxiv, fire, **grace)) as child:
        child.wait_for(r'Run time of job "weekly ingest run .*" was missed by 0:00:\d\d')
        child.wait_for(r"schedule event=waiting next=")
        assert _moved_on(workdir / "ingest.sqlite3", fire)  # the skipped firing's next one is stored
        assert child.stop() == 0
    assert "event=fired" not in child.log
    assert runs(workdir / "ingest.sqlite3")[1:] == []
