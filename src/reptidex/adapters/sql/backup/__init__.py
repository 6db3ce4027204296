"""Backing up a service's database, restoring it, and the drill that proves a backup restores.

PostgreSQL goes through ``pg_dump -Fc`` and ``pg_restore`` (:mod:`.postgres`), the embedded
SQLite through SQLite's online backup API (:mod:`.sqlite`). :mod:`.inventory` reads what a
restore must keep (revision, row counts, row-level security, grants, owners); :mod:`.drill`
backs up, restores into a scratch database and compares the two inventories.
"""
