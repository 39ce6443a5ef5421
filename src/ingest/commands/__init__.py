"""CLI command modules; importing one registers its commands on `ingest.cli.app`.

Each stage owns one module here (crawl, papers, extract, report, run, ...); add a new module to the
import line below.
"""

from . import config, crawl, db, papers, report, run, schedule, status

COMMAND_MODULES = (db, crawl, papers, report, run, schedule, status, config)
