"""Percentage roll-out by a stable hash: the same subject always lands in the same bucket.

A subject's bucket for a flag is ``sha256(flag_key + ":" + subject_id)`` read as a number, modulo
100. Raising a flag's percentage only ever adds subjects (a subject in at 10 % stays in at 20 %),
and distinct flags bucket a subject independently, so one early adopter is not the guinea pig of
every experiment.
"""

from __future__ import annotations

import hashlib

BUCKETS = 100


def rollout_bucket(flag_key: str, subject_id: str) -> int:
    """The bucket, 0 to 99, of ``subject_id`` for ``flag_key``.

    >>> rollout_bucket("new_pedigree_chart", "7f1c0c2e-0000-4000-8000-000000000001") in range(100)
    True
    >>> rollout_bucket("a", "x") == rollout_bucket("a", "x")
    True
    """
    digest = hashlib.sha256(f"{flag_key}:{subject_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def in_rollout(flag_key: str, subject_id: str, percentage: int) -> bool:
    """Whether ``subject_id`` is among the first ``percentage`` % of subjects for ``flag_key``.

    >>> in_rollout("any", "subject", 0), in_rollout("any", "subject", 100)
    (False, True)
    """
    return rollout_bucket(flag_key, subject_id) < percentage
