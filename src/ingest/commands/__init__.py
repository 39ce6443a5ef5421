"""CLI command modules; importing one registers its commands on `ingest.cli.app`.

Each stage owns one module here (crawl, papers, extract, report, run, ...); add a new module to the
import line below.
"""

from . import crawl, db, papers

COMMAND_MODULES = (db, crawl, papers)
