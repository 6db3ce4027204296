"""The media use cases, one module per part of the service: files (upload, fetch, delete),
charts (pedigree charts and certificates), widgets (embeds and their settings) and the copy of
animals the widgets read (from events and backfills).

Each takes the ports it needs (:mod:`reptidex.domain.media.ports`); one that writes commits its
unit of work once, its events staged in the same transaction.
"""
