"""Reading a lab's results file: the CSV bounded before it is parsed, its columns found by the
integration's headers, and each result's text read as a finding for one gene of the species'
catalog (the genetics engine's)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping

from reptidex.domain.errors import InvalidInput
from reptidex.domain.integrations.labs.model import Finding, ResultRow
from reptidex.engine.genetics import Catalog
from reptidex.engine.genetics.model import Allele

MAX_FILE_BYTES = 1_000_000
"""The largest results file an import reads, in bytes of UTF-8."""
MAX_ROWS = 2_000
"""The most result rows one file may hold."""
MAX_CELL = 500
"""The longest cell kept (longer ones are cut, and the row reported)."""
REQUIRED = ("animal", "result")

_WORDS = re.compile(r"[a-z0-9]+|\+|-")
_NEGATIVE_PHRASES = ("non-carrier", "non carrier", "noncarrier", "not detected", "not a carrier")
_POSITIVE = frozenset({"positive", "pos", "detected", "+"})
_NEGATIVE = frozenset({"negative", "neg", "clear", "normal", "wildtype", "wt"})
_HET = frozenset({"het", "heterozygous", "carrier", "carries"})
_VISUAL = frozenset({"visual", "homozygous", "hom", "affected"})


def check_size(text: str) -> None:
    """:class:`InvalidInput` for a file over :data:`MAX_FILE_BYTES` (before any parsing)."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"The results file is larger than {MAX_FILE_BYTES:,} bytes; split it.",
            field_errors={"csv": f"over {MAX_FILE_BYTES} bytes"},
        )


def _header_index(header: list[str], columns: Mapping[str, str]) -> dict[str, int]:
    folded = [cell.strip().casefold() for cell in header]
    found: dict[str, int] = {}
    for role, name in columns.items():
        if name.strip().casefold() in folded:
            found[role] = folded.index(name.strip().casefold())
    missing = [columns[role] for role in REQUIRED if role not in found]
    if missing:
        raise InvalidInput(
            f"The header has no column {', '.join(repr(m) for m in missing)}.",
            field_errors={"csv": f"missing column(s): {', '.join(missing)}"},
        )
    return found


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def read_results(text: str, columns: Mapping[str, str]) -> list[ResultRow]:
    """The rows of a results file whose header names ``columns`` (role → header, found
    case-insensitively). :class:`InvalidInput` for a file over the size or row bound, without
    a header or a required column, or that the CSV reader refuses; a row with a bad cell (an
    unreadable date, an empty animal or result) carries its ``problem``.

    >>> rows = read_results("Animal,Result\\r\\nBP-1,het Clown positive\\r\\n,x\\r\\n",
    ...                     {"animal": "Animal", "result": "Result"})
    >>> [(r.line, r.animal, r.result, r.problem) for r in rows]
    [(2, 'BP-1', 'het Clown positive', None), (3, '', 'x', 'no animal')]
    """
    check_size(text)
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        return list(_rows(reader, columns))
    except csv.Error as error:
        raise InvalidInput(
            f"The CSV cannot be read at line {reader.line_num}: {error}.",
            field_errors={"csv": f"at line {reader.line_num}: {error}"},
        ) from error


def _rows(reader: Iterator[list[str]], columns: Mapping[str, str]) -> Iterator[ResultRow]:
    header = next(reader, None)
    if header is None:
        raise InvalidInput("The results file is empty.", field_errors={"csv": "empty"})
    index = _header_index(header, columns)
    count = 0
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise InvalidInput(
                f"The results file has more than {MAX_ROWS:,} rows; split it.",
                field_errors={"csv": f"over {MAX_ROWS} rows"},
            )
        yield _row(reader.line_num, cells, index)  # type: ignore[attr-defined]


def _row(line: int, cells: list[str], index: Mapping[str, int]) -> ResultRow:
    def cell(role: str) -> str:
        at = index.get(role)
        return cells[at].strip()[:MAX_CELL] if at is not None and at < len(cells) else ""

    problem = None
    try:
        report_date = _date(cell("report_date"))
    except ValueError:
        report_date, problem = None, "report date is not YYYY-MM-DD"
    if not cell("animal"):
        problem = "no animal"
    elif not cell("result"):
        problem = "no result"
    return ResultRow(
        line=line,
        animal=cell("animal"),
        test=cell("test"),
        result=cell("result"),
        report_id=cell("report_id"),
        report_date=report_date,
        sample=cell("sample"),
        problem=problem,
    )


def read_finding(result: str) -> Finding | None:
    """The finding a result's text states, ``None`` when it states none or several.

    >>> [read_finding(t) for t in ("het Clown positive", "Clown negative", "visual",
    ...                            "Clown +", "carrier", "positive negative", "pending")]
    [<Finding.HET: 'het'>, <Finding.NEGATIVE: 'negative'>, <Finding.VISUAL: 'visual'>, None, \
<Finding.HET: 'het'>, None, None]
    """
    text = result.casefold()
    negative = any(phrase in text for phrase in _NEGATIVE_PHRASES)
    for phrase in _NEGATIVE_PHRASES:
        text = text.replace(phrase, " ")
    words = set(_WORDS.findall(text))
    negative = negative or bool(words & _NEGATIVE)
    positive, het, visual = bool(words & _POSITIVE), bool(words & _HET), bool(words & _VISUAL)
    if negative:
        return None if positive or visual else Finding.NEGATIVE
    if het and visual:
        return None
    if het:
        return Finding.HET
    if visual:
        return Finding.VISUAL
    return None  # "positive" alone: carrier or visual, the lab does not say


def _names(allele: Allele) -> tuple[str, ...]:
    return (allele.name, allele.id, allele.id.replace("_", " "), *allele.aliases)


def genes_named(catalog: Catalog, text: str) -> list[Allele]:
    """The catalog's alleles whose name, id or alias appears as words in ``text``.

    >>> from reptidex.engine.genetics import load_catalog
    >>> [a.name for a in genes_named(load_catalog("ball_python"), "het Clown positive")]
    ['Clown']
    """
    folded = " " + " ".join(_WORDS.findall(text.casefold())) + " "
    named: list[Allele] = []
    for _, _, allele in catalog.alleles():
        for name in _names(allele):
            words = " ".join(_WORDS.findall(name.casefold()))
            if words and f" {words} " in folded:
                named.append(allele)
                break
    return named
