"""Weekly schedule: Settings -> an APScheduler 3.x BlockingScheduler that calls pipeline.run_week.

The trigger is a CronTrigger with day *names* and an explicit timezone (TECH_NOTES.md section 3:
APScheduler counts weekday 0 = Monday, so a crontab "1" would fire on Tuesday; and a trigger without
a timezone uses the machine's local zone). The job lives in the same database (SQLAlchemyJobStore,
table apscheduler_jobs, excluded from alembic) under a fixed id with replace_existing=True, so
restarts never duplicate it; its function is the string reference "ingest.schedule:scheduled_run"
and it pickles no settings (no secret ever lands in the job table). misfire_grace_time of days and
coalesce=True: a firing missed while the machine was down runs once when it is back (a restart keeps
the stored job's next fire time while the trigger is unchanged, so the missed time is still due);
max_instances=1.

Which weeks run: each firing runs the last complete week (a re-run of a finished week costs nothing,
every stage skips finished work) and, before it, the missed weeks since the last successful run, at
most settings.catchup_weeks of them. On start, the missed weeks are caught up the same way (the last
complete week only when it has no successful run). The first fire time is fixed before that
catch-up, so a firing due during a long catch-up runs right after it. A week that fails is logged
and the scheduler keeps going; the database lock keeps a scheduled and a manual run apart. The
blocking scheduler runs its job in the main thread (APScheduler's DebugExecutor), so a SIGTERM
(errors.Interrupted, raised by the CLI's handler) or Ctrl-C reaches the run itself: the run closes
failed, the lock is released, the scheduler shuts down and run_scheduler re-raises the interruption.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.events import EVENT_SCHEDULER_STARTED
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
from ingest.weeks import last_complete_week

log = logging.getLogger(__name__)
JOB_ID = "ingest-weekly-run"
JOB_REF = "ingest.schedule:scheduled_run"
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_SPEC = re.compile(r"^[a-z]{3}(-[a-z]{3})?(,[a-z]{3}(-[a-z]{3})?)*$")

# Settings of the scheduler running in this process. The job itself pickles nothing but its
# reference, so the API key never reaches the job table; a bare process falls back to Settings().
_active_settings: Settings | None = None
_running: list[BaseScheduler] = []  # the blocking scheduler of this process, while it runs
_interrupted: list[BaseException] = []  # a signal that stopped a firing (re-raised by run_scheduler)
_in_job: list[bool] = []  # non-empty while a round of weeks runs


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
        second=settings.schedule_second,
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


def catch_up(settings: Settings, now: datetime | None = None, *, firing: bool = False) -> list[str]:
    """Run the missed weeks (runlog.missed_weeks; a firing also re-runs the last complete week when it
    already ended ok) in order; returns the weeks that ended ok. A week that fails is logged and does
    not stop the following ones; a held lock stops the round."""
    todo = runlog.missed_weeks(open_engine(settings), settings.catchup_weeks, now)
    latest = last_complete_week(now)
    if firing and latest not in todo:
        todo.append(latest)
    done: list[str] = []
    for week in todo:
        try:
            run_week(settings, week, progress=None)
            done.append(week)
        except LockError as exc:
            log.warning("schedule event=skipped week=%s reason=%s", week, exc)
            break
        except IngestError as exc:
            log.error("schedule event=week_failed week=%s error=%s", week, settings.scrub(str(exc)))
    return done


def _round(settings: Settings, event: str, *, firing: bool) -> None:
    _in_job[:] = [True]
    try:
        weeks = catch_up(settings, firing=firing)
        log.info("schedule event=%s weeks_ok=%s", event, ",".join(weeks) or "-")
    except (Interrupted, KeyboardInterrupt) as exc:  # APScheduler would swallow it: stop, re-raise there
        if not _running:
            raise
        _interrupted.append(exc)
        _running[0].shutdown(wait=False)
    except Exception as exc:  # noqa: BLE001 - a firing must never kill the scheduler
        log.error("schedule event=error error=%s: %s", type(exc).__name__, settings.scrub(str(exc)))
    finally:
        _in_job.clear()


def scheduled_run() -> None:
    """The job APScheduler calls: the last complete week and the missed weeks before it."""
    _round(_active_settings or Settings(), "fired", firing=True)


def stored_next_run_time(settings: Settings, trigger: CronTrigger) -> datetime | None:
    """The next fire time of the job stored in the database, when its trigger equals `trigger`
    (a past time is a firing missed while no scheduler ran); None without such a job."""
    store = SQLAlchemyJobStore(engine=open_engine(settings))
    try:
        store.start(None, "default")  # only creates the table if missing
        job = store.lookup_job(JOB_ID)
    except Exception as exc:  # noqa: BLE001 - an unreadable stored job is replaced, never fatal
        log.warning("schedule event=stored_job_unreadable error=%s", type(exc).__name__)
        return None
    if job is None or repr(job.trigger) != repr(trigger):
        return None
    return job.next_run_time


def grace_seconds(settings: Settings) -> int:
    """misfire_grace_days in whole seconds (APScheduler takes a positive int), at least 1."""
    return max(1, round(settings.misfire_grace_days * 86400))


def build_scheduler(
    settings: Settings, *, blocking: bool = True, next_run_time: datetime | None = None
) -> BaseScheduler:
    """A scheduler with the weekly job stored in the settings' database (replaces an existing job);
    `next_run_time`: the job's first fire time (default: the trigger's next one when it starts)."""
    global _active_settings
    _active_settings = settings
    tz = timezone_of(settings)
    cls = BlockingScheduler if blocking else BackgroundScheduler
    executors = {"default": DebugExecutor()} if blocking else None
    scheduler = cls(
        **({"executors": executors} if executors else {}),
        jobstores={"default": SQLAlchemyJobStore(engine=open_engine(settings))},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": grace_seconds(settings),
        },
        timezone=tz,
    )
    extra = {"next_run_time": next_run_time} if next_run_time is not None else {}
    scheduler.add_job(
        JOB_REF,
        build_trigger(settings),
        id=JOB_ID,
        name="weekly ingest run",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=grace_seconds(settings),
        **extra,
    )
    return scheduler


def _log_waiting(scheduler: BaseScheduler | None) -> None:
    job = scheduler.get_job(JOB_ID) if scheduler is not None else None
    when = job.next_run_time.isoformat() if job is not None and job.next_run_time else "-"
    log.info("schedule event=waiting next=%s", when)


@contextmanager
def _signals_stop(scheduler: BaseScheduler) -> Iterator[None]:
    """Ctrl-C and SIGTERM while the scheduler waits stop it cleanly (exit 0: nothing was running);
    while a week runs they interrupt the run itself, as in `ingest run` (run closed failed, lock
    released, exit 130 or 143). A handler, since APScheduler swallows an exception raised inside its
    listeners, where a signal can land."""

    def handle(signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        if _in_job or not scheduler.running:
            raise KeyboardInterrupt() if signum == signal.SIGINT else Interrupted(signum, name)
        log.info("schedule event=stopping signal=%s", name)
        scheduler.shutdown(wait=False)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_scheduler(settings: Settings) -> None:
    """Catch up missed weeks, then block running the weekly job until interrupted."""
    global _active_settings
    trigger = build_trigger(settings)  # fail fast on a bad day/timezone before doing any work
    first = stored_next_run_time(settings, trigger) or trigger.get_next_fire_time(
        None, datetime.now(timezone_of(settings))
    )
    log.info("schedule event=start next=%s", first.isoformat() if first else "-")
    _active_settings = settings
    _round(settings, "caught_up", firing=False)
    scheduler = build_scheduler(settings, blocking=True, next_run_time=first)
    scheduler.add_listener(lambda _event: _log_waiting(scheduler), EVENT_SCHEDULER_STARTED)
    _running[:], _interrupted[:] = [scheduler], []
    try:
        with _signals_stop(scheduler):
            scheduler.start()
    except Interrupted:  # before SystemExit: Interrupted is one
        if scheduler.running:
            scheduler.shutdown(wait=False)
        raise
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
    finally:
        _running.clear()
    log.info("schedule event=stopped")
    if _interrupted:
        raise _interrupted.pop()
