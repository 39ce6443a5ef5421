"""Weekly schedule: Settings -> an APScheduler 3.x BlockingScheduler that calls pipeline.run_week.

The trigger is a CronTrigger with day *names* and an explicit timezone (TECH_NOTES.md section 3:
APScheduler counts weekday 0 = Monday, so a crontab "1" would fire on Tuesday; and a trigger without
a timezone uses the machine's local zone). The job lives in the same database (SQLAlchemyJobStore,
table apscheduler_jobs, excluded from alembic) under a fixed id with replace_existing=True, so
restarts never duplicate it; its function is the string reference "ingest.schedule:scheduled_run"
and it pickles no settings (no secret ever lands in the job table). misfire_grace_time of days and
coalesce=True: a machine that was down runs the missed firing once when it is back; max_instances=1.

On start (and at each firing) `catch_up` runs every missed week since the last successful run,
bounded by settings.catchup_weeks. A firing that fails is logged and the scheduler keeps going;
the database lock keeps a scheduled and a manual run apart. The blocking scheduler runs its job in
the main thread (APScheduler's DebugExecutor), so a SIGTERM (errors.Interrupted, raised by the
CLI's handler) reaches the run itself: the run closes failed, the lock is released, the scheduler
shuts down and run_scheduler re-raises Interrupted.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.executors.debug import DebugExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from ingest.config import Settings
from ingest.db import runlog
from ingest.db.engine import open_engine
from ingest.errors import ConfigError, IngestError, Interrupted, LockError
from ingest.pipeline import run_week

log = logging.getLogger(__name__)
JOB_ID = "ingest-weekly-run"
JOB_REF = "ingest.schedule:scheduled_run"
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_SPEC = re.compile(r"^[a-z]{3}(-[a-z]{3})?(,[a-z]{3}(-[a-z]{3})?)*$")

# Settings of the scheduler running in this process. The job itself pickles nothing but its
# reference, so the API key never reaches the job table; a bare process falls back to Settings().
_active_settings: Settings | None = None
_running: list[BaseScheduler] = []  # the blocking scheduler of this process, while it runs
_interrupted: list[Interrupted] = []  # a signal that stopped a firing (re-raised by run_scheduler)


def timezone_of(settings: Settings) -> ZoneInfo:
    try:
        return ZoneInfo(settings.schedule_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown schedule_timezone {settings.schedule_timezone!r} (e.g. UTC, Europe/Berlin)"
        ) from None


def check_day(day: str) -> str:
    """Only day names (mon..sun, ranges, lists): numbers mean 0=Monday in APScheduler, a classic trap."""
    spec = day.strip().lower()
    names = set(re.split(r"[-,]", spec))
    if not _DAY_SPEC.match(spec) or not names <= set(_DAY_NAMES):
        raise ConfigError(
            f"schedule_day {day!r}: use day names like 'mon' or 'mon-fri', not numbers "
            "(APScheduler counts 0 = Monday, unlike crontab)"
        )
    return spec


def build_trigger(settings: Settings) -> CronTrigger:
    """The weekly CronTrigger, explicit timezone, day names only."""
    return CronTrigger(
        day_of_week=check_day(settings.schedule_day),
        hour=settings.schedule_hour,
        minute=settings.schedule_minute,
        timezone=timezone_of(settings),
    )


def next_fire_times(settings: Settings, n: int, now: datetime | None = None) -> list[datetime]:
    """The next `n` firing instants (aware, in the schedule's timezone) after `now`."""
    trigger = build_trigger(settings)
    now = now or datetime.now(UTC)
    times: list[datetime] = []
    previous = None
    for _ in range(n):
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            break
        times.append(fire)
        previous, now = fire, fire + timedelta(microseconds=1)
    return times


def catch_up(settings: Settings, now: datetime | None = None) -> list[str]:
    """Run every missed week (runlog.missed_weeks) in order; returns the weeks that ended ok.

    A week that fails is logged and does not stop the following ones; a held lock stops the round.
    """
    done: list[str] = []
    for week in runlog.missed_weeks(open_engine(settings), settings.catchup_weeks, now):
        try:
            run_week(settings, week, progress=None)
            done.append(week)
        except LockError as exc:
            log.warning("schedule event=skipped week=%s reason=%s", week, exc)
            break
        except IngestError as exc:
            log.error("schedule event=week_failed week=%s error=%s", week, settings.scrub(str(exc)))
    return done


def scheduled_run() -> None:
    """The job APScheduler calls: catch up on every missed week up to the last complete one."""
    settings = _active_settings or Settings()
    try:
        weeks = catch_up(settings)
        log.info("schedule event=fired weeks_ok=%s", ",".join(weeks) or "-")
    except Interrupted as exc:  # APScheduler would swallow it: stop the scheduler, then re-raise there
        if not _running:
            raise
        _interrupted.append(exc)
        _running[0].shutdown(wait=False)
    except Exception as exc:  # noqa: BLE001 - a firing must never kill the scheduler
        log.error("schedule event=error error=%s: %s", type(exc).__name__, settings.scrub(str(exc)))


def build_scheduler(settings: Settings, *, blocking: bool = True) -> BaseScheduler:
    """A scheduler with the weekly job stored in the settings' database (replaces an existing job)."""
    global _active_settings
    _active_settings = settings
    tz = timezone_of(settings)
    cls = BlockingScheduler if blocking else BackgroundScheduler
    executors = {"default": DebugExecutor()} if blocking else None
    scheduler = cls(
        jobstores={"default": SQLAlchemyJobStore(engine=open_engine(settings))},
        **({"executors": executors} if executors else {}),
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(settings.misfire_grace_days * 86400),
        },
        timezone=tz,
    )
    scheduler.add_job(
        JOB_REF,
        build_trigger(settings),
        id=JOB_ID,
        name="weekly ingest run",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(settings.misfire_grace_days * 86400),
    )
    return scheduler


def run_scheduler(settings: Settings) -> None:
    """Catch up missed weeks, then block running the weekly job until interrupted."""
    build_trigger(settings)  # fail fast on a bad day/timezone before doing any work
    log.info("schedule event=start next=%s", next_fire_times(settings, 1))
    scheduled_run_with(settings)
    scheduler = build_scheduler(settings, blocking=True)
    _running[:], _interrupted[:] = [scheduler], []
    try:
        scheduler.start()
    except Interrupted:  # before SystemExit: Interrupted is one
        if scheduler.running:
            scheduler.shutdown(wait=False)
        raise
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
    finally:
        _running.clear()
    if _interrupted:
        raise _interrupted.pop()


def scheduled_run_with(settings: Settings) -> None:
    """One catch-up round with these settings (what the scheduler does on start)."""
    global _active_settings
    _active_settings = settings
    scheduled_run()
