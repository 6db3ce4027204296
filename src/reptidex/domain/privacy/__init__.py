"""GDPR: a user's personal data exported from, or erased in, every service (``docs/ops.md``).

Each service holds some personal data and answers for it through the
:class:`~reptidex.domain.privacy.ports.PersonalDataHolder` port; repti-ops tracks each request
and asks every holder, retrying those that do not answer.
"""
