"""CLI command modules; importing one registers its commands on `ingest.cli.app`.

Each stage owns one module here (crawl, papers, extract, report, run, ...); add a new module to the
import line below.
"""

from . import browse, config, crawl, db, extract, papers, report, run, schedule, search, stats, status

COMMAND_MODULES = (db, crawl, extract, papers, report, run, schedule, status, config, search, stats, browse)
