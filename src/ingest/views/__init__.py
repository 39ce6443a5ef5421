"""Read-only views of the database for people: papers (list/show), stats, status, browse (Datasette)."""
