"""Storage: engine and migrations, the SQLModel tables, queries, the run log and the database lock.

Entry points: `open_engine(settings)` (a database at the newest schema), `session_scope(engine)`,
`models` (the tables), `store` (queries), `runlog` (every stage opens and closes its run rows
there), `lock` (one writer at a time). Imports nothing from the stages above it.
"""

from ingest.db.engine import backup, current_revision, head_revision, open_engine, session_scope, upgrade

__all__ = ["backup", "current_revision", "head_revision", "open_engine", "session_scope", "upgrade"]
