"""The password policy: length bounds, and refusal of common or guessable passwords.

Following NIST SP 800-63B (5.1.1.2): a minimum length rather than composition rules, an upper
bound high enough for passphrases (and low enough that hashing stays cheap), and a check against
a list of passwords known to be common. The list ships with the package
(``common-passwords.txt``); a password is refused when it, or it with leading/trailing digits
and punctuation stripped, is on the list — ``dragon2024!`` is as weak as ``dragon``.

The rules read the password as it shows (:func:`visible_text`): characters that print nothing
(zero-width spaces and joiners, soft hyphens, byte-order marks and other format or control
characters) do not count toward its length nor hide a common password, and whitespace counts
once per run, none at either end. What is hashed is the whole normalised password.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from reptidex.domain.errors import InvalidInput
from reptidex.domain.identity.model import Email

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
_DECORATION = "0123456789!@#$%^&*()-_=+.,?~ "


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case."""
    text = (
        resources.files("reptidex.domain.identity")
        .joinpath("common-passwords.txt")
        .read_text("utf-8")
    )
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def normalise_password(password: str) -> str:
    """NFKC-normalise, so the same password typed on two keyboards hashes the same."""
    return unicodedata.normalize("NFKC", password)


_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Cs"})
"""Control, format (zero-width, soft hyphen, BOM, bidirectional marks), unassigned, surrogate."""


def visible_text(password: str) -> str:
    """``password`` (normalised) as a reader sees it: invisible characters dropped, whitespace
    runs made one space, none at either end; what the length and common-password rules read.

    >>> visible_text("pass\u200bword\u00ad")
    'password'
    >>> visible_text("  correct   horse\u2003battery  ")
    'correct horse battery'
    """
    shown = "".join(ch for ch in password if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)
    return " ".join(shown.split())


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Checks a new password; :meth:`check` returns the normalised password or raises."""

    min_length: int = MIN_PASSWORD_LENGTH
    max_length: int = MAX_PASSWORD_LENGTH
    refused: frozenset[str] = field(default_factory=common_passwords)

    def check(
        self, password: str, *, email: Email | None = None, field_name: str = "password"
    ) -> str:
        """Return ``password`` normalised, or raise :class:`InvalidInput` saying what is wrong.

        >>> PasswordPolicy().check("correct horse battery staple")
        'correct horse battery staple'
        >>> PasswordPolicy().check("password123")
        Traceback (most recent call last):
        ...
        reptidex.domain.errors.InvalidInput: This password is too common; choose another.
        """
        normalised = normalise_password(password)
        visible = visible_text(normalised)
        if len(visible) < self.min_length:
            self._refuse(
                f"Use at least {self.min_length} visible characters (invisible ones and extra "
                "spaces do not count).",
                field_name,
            )
        if len(normalised) > self.max_length:
            self._refuse(f"Use at most {self.max_length} characters.", field_name)
        lowered = visible.lower()
        core = lowered.strip(_DECORATION)
        if lowered in self.refused or core in self.refused or len(set(lowered)) < 3:
            self._refuse("This password is too common; choose another.", field_name)
        if email is not None and not {lowered, core}.isdisjoint((email.local_part, email.value)):
            self._refuse("The password must not be your email address.", field_name)
        return normalised

    @staticmethod
    def _refuse(message: str, field_name: str) -> None:
        raise InvalidInput(message, field_errors={field_name: message})
