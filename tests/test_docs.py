"""The code shown in the README files and docs/*.md works: its Python runs, its commands exist.

- ```python blocks run: the blocks of one document in order, in one namespace (as a reader
  would run them), in a scratch folder and without ``REPTIDEX_*`` settings. A ``>>>``
  session (```pycon, or a python block that starts with ``>>>``) runs as a doctest. A
  failure names the document and the line.
- A block that cannot run by nature (it needs a running platform) says so in its info string,
  ```python no-run, and is counted in :data:`NOT_RUN`, so that such blocks stay few.
- Shell blocks (sh, shell, bash, console, and blocks without a language) and inline code are
  not run, but every ``reptidex ...`` command in them must be one the CLI accepts: a command
  line must parse; a synopsis (``FILE``, ``[--json]``, ``SERVICE ...``) must name real
  sub-commands and options. Every ``./dev X`` names a command of ``./dev``.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import doctest
import inspect
import io
import os
import re
import shlex
import sys
import traceback
import types
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from reptidex.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "deploy" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "docs" / "runbooks").glob("*.md")),
]

NOT_RUN = {"docs/identity.md": 1}
"""How many ```python no-run blocks each document has (they need a running platform)."""

PYTHON = {"python", "py", "pycon"}
SHELL = {"sh", "shell", "bash", "console", ""}
OPTIONS = {"no-run"}
FENCE = re.compile(r"^ *(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
INLINE_CODE = re.compile(r"(?P<ticks>`+)(?P<code>.+?)(?P=ticks)")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language, info-string options and first line of code."""

    document: str
    line: int
    language: str
    options: frozenset[str]
    code: str

    @property
    def where(self) -> str:
        return f"{self.document}:{self.line}"


def name_of(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def blocks_of(path: Path) -> list[Block]:
    """Every fenced code block of a Markdown file, in order."""
    found: list[Block] = []
    opened: tuple[str, int, str] | None = None  # fence, first code line, info
    code: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = FENCE.match(line)
        if opened is None:
            if match:
                opened, code = (match["fence"], number + 1, match["info"].strip()), []
            continue
        fence, first, info = opened
        if match and match["fence"].startswith(fence) and not match["info"].strip():
            words = info.split()
            language = words[0].lower() if words else ""
            options = frozenset(words[1:])
            found.append(Block(name_of(path), first, language, options, "\n".join(code) + "\n"))
            opened = None
        else:
            code.append(line)
    assert opened is None, f"{name_of(path)}:{opened[1] - 1}: a code block is never closed"
    return found


def prose_of(path: Path) -> list[tuple[int, str]]:
    """The lines of a Markdown file outside its code blocks, with their numbers."""
    inside: set[int] = set()
    for block in blocks_of(path):
        inside.update(range(block.line - 1, block.line + block.code.count("\n") + 1))
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(n, text) for n, text in enumerate(lines, start=1) if n not in inside]


def python_blocks(path: Path) -> list[Block]:
    return [block for block in blocks_of(path) if block.language in PYTHON]


def is_session(block: Block) -> bool:
    return block.language == "pycon" or block.code.lstrip().startswith(">>>")


def run_block(block: Block, namespace: dict[str, object]) -> None:
    """Run one block in ``namespace``; fail naming the document and line."""
    if is_session(block):
        test = doctest.DocTestParser().get_doctest(
            block.code, namespace, block.where, block.document, block.line - 1
        )
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        report: list[str] = []
        runner.run(test, out=report.append, clear_globs=False)
        if runner.failures:
            pytest.fail(f"{block.where}: the >>> session fails:\n{''.join(report)}", pytrace=False)
        return
    # Padded so that tracebacks give the line numbers of the document itself.
    source = "\n" * (block.line - 1) + block.code
    try:
        code = compile(source, block.document, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        result = eval(code, namespace)
        if inspect.iscoroutine(result):
            asyncio.run(result)
    except Exception as error:
        frames = traceback.extract_tb(error.__traceback__)
        shown = [f for f in frames if f.filename == block.document] or frames
        failure = "".join(traceback.format_list(shown) + traceback.format_exception_only(error))
    else:
        return
    pytest.fail(f"{block.where}: the ```{block.language} block fails:\n{failure}", pytrace=False)


RUNNABLE = [
    path for path in DOCUMENTS if any("no-run" not in b.options for b in python_blocks(path))
]


@pytest.mark.parametrize("path", RUNNABLE, ids=name_of)
def test_python_blocks_run_in_order(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # blocks may write files
    for name in [name for name in os.environ if name.startswith("REPTIDEX_")]:
        monkeypatch.delenv(name)  # the defaults the pages describe, whatever runs the tests
    module = types.ModuleType(f"docs_{path.stem}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for block in python_blocks(path):
        if "no-run" not in block.options:
            run_block(block, module.__dict__)


def test_python_blocks_that_do_not_run_are_marked_and_few() -> None:
    unknown = [
        f"{b.where}: {sorted(b.options - OPTIONS)}"
        for path in DOCUMENTS
        for b in python_blocks(path)
        if b.options - OPTIONS
    ]
    assert not unknown, f"unknown code block options (only {sorted(OPTIONS)}): {unknown}"
    not_run = Counter(
        b.document for p in DOCUMENTS for b in python_blocks(p) if "no-run" in b.options
    )
    assert dict(not_run) == NOT_RUN


# -- commands ----------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"[\[\]<>…]|\.\.\.|^[A-Z][A-Z0-9_]*(,[A-Z][A-Z0-9_]*)*$")
SEPARATORS = {"&&", "||", ";", "|"}
DEV_COMMANDS = set(re.findall(r"^ {4}([a-z]+)\)", (ROOT / "dev").read_text(), re.M)) | {"help"}


def command_lines(path: Path) -> list[tuple[int, str, bool]]:
    """The lines of shell blocks (``$`` lines of console blocks) and the inline code spans,
    each with its line number and whether it is inline (naming a command, not a whole line)."""
    found: list[tuple[int, str, bool]] = []
    for block in blocks_of(path):
        if block.language not in SHELL:
            continue
        for offset, line in enumerate(block.code.splitlines()):
            if block.language == "console":
                if not line.startswith("$ "):
                    continue
                line = line[2:]
            found.append((block.line + offset, line, False))
    for number, text in prose_of(path):
        found.extend((number, m["code"], True) for m in INLINE_CODE.finditer(text))
    return found


def commands_in(line: str) -> list[list[str]]:
    """The command lines in a line of shell, as words (comments and redirections dropped)."""
    if "reptidex" not in line and "./dev" not in line:
        return []
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        return []
    commands: list[list[str]] = []
    current: list[str] = []
    target = False
    for word in [*words, ";"]:
        if target:
            target = False  # the file of a redirection
        elif word in SEPARATORS:
            commands.append(current)
            current = []
        elif re.match(r"^\d?[<>]", word):
            target = re.match(r"^\d?[<>]+$", word) is not None
        else:
            current.append(word)
    return [command for command in commands if command]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def synopsis_problems(words: list[str]) -> list[str]:
    """What is wrong with a synopsis such as ``pedigree kinship FILE --ids A,B,C``."""
    parser, path, rest = build_parser(), ["reptidex"], list(words)
    while rest and rest[0].strip("[]") in subcommands(parser):
        path.append(rest[0].strip("[]"))
        parser = subcommands(parser)[path[-1]]
        rest.pop(0)
    problems = []
    if rest and subcommands(parser) and re.match(r"^[a-z][a-z-]*$", rest[0]):
        problems.append(f"`{' '.join(path)}` has no command {rest[0]!r}")
    options = {option for action in parser._actions for option in action.option_strings}
    for word in rest:
        for option in re.findall(r"--[a-z][a-z0-9-]*", word):
            if option not in options:
                problems.append(f"`{' '.join(path)}` has no option {option}")
    return problems


def parse_problems(words: list[str]) -> list[str]:
    """Why the CLI refuses a concrete command line, if it does."""
    output = io.StringIO()
    try:
        with contextlib.redirect_stderr(output), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(words)
    except SystemExit as exit:
        if exit.code:
            return [output.getvalue().strip().splitlines()[-1]]
    return []


def command_problems(words: list[str], *, inline: bool = False) -> list[str]:
    """What is wrong with a command line (``inline``: with a command named in prose, whose
    arguments may be left out)."""
    problems = []
    if "./dev" in words:
        at = words.index("./dev")
        command = words[at + 1] if len(words) > at + 1 else "help"
        if command not in DEV_COMMANDS:
            problems.append(f"./dev has no command {command!r}")
        if command == "up":
            words = ["reptidex", *words[at + 1 :]]
    if "reptidex" in words:
        arguments = words[words.index("reptidex") + 1 :]
        if inline or any(PLACEHOLDER.search(word) for word in arguments):
            problems += synopsis_problems(arguments)
        else:
            problems += parse_problems(arguments)
    return problems


@pytest.mark.parametrize("path", DOCUMENTS, ids=name_of)
def test_every_command_shown_is_one_the_cli_accepts(path: Path) -> None:
    problems = [
        f"{name_of(path)}:{number}: {line.strip()}\n    {problem}"
        for number, line, inline in command_lines(path)
        for words in commands_in(line)
        for problem in command_problems(words, inline=inline)
    ]
    assert not problems, "\n".join(problems)


def test_the_command_checks_catch_what_they_should() -> None:
    assert command_problems(["reptidex", "db", "upgrade", "core"]) == []
    assert command_problems(["reptidex", "db", "upgrade", "nowhere"]) != []
    assert command_problems(["reptidex", "pedigree", "kinship", "FILE", "--ids", "A,B"]) == []
    assert command_problems(["reptidex", "pedigree", "kinship", "FILE", "--idz", "A,B"]) != []
    assert command_problems(["reptidex", "pedigree", "chek", "FILE"]) != []
    assert command_problems(["./dev", "tset"]) != []
    assert command_problems(["reptidex", "genetics", "cross", "--json"]) != []
    assert command_problems(["reptidex", "genetics", "cross", "--json"], inline=True) == []
    assert command_problems(["reptidex", "genetics", "crosss"], inline=True) != []
    assert commands_in("reptidex db upgrade core && reptidex serve core  # go") == [
        ["reptidex", "db", "upgrade", "core"],
        ["reptidex", "serve", "core"],
    ]
    assert commands_in("$ time reptidex pedigree stats a.csv > out.txt 2> err.txt") == [
        ["$", "time", "reptidex", "pedigree", "stats", "a.csv"]
    ]


def test_a_failing_block_is_named_by_its_document_and_line() -> None:
    namespace: dict[str, object] = {}
    run_block(Block("guide.md", 3, "python", frozenset(), "x = 1\n"), namespace)
    run_block(
        Block("guide.md", 7, "python", frozenset(), "import asyncio\nawait asyncio.sleep(0)\n"),
        namespace,
    )
    run_block(Block("guide.md", 9, "pycon", frozenset(), ">>> x + 1\n2\n"), namespace)
    with pytest.raises(
        pytest.fail.Exception, match=r"^guide.md:12: (.|\n)*line 13(.|\n)*ZeroDivision"
    ):
        run_block(Block("guide.md", 12, "python", frozenset(), "y = 2\nx / 0\n"), namespace)
    with pytest.raises(
        pytest.fail.Exception, match=r"^guide.md:20: (.|\n)*line 22(.|\n)*Got:\n +2"
    ):
        run_block(
            Block("guide.md", 20, "python", frozenset(), ">>> x\n1\n>>> x + 1\n3\n"), namespace
        )
