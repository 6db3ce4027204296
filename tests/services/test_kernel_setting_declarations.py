"""Each setting is declared once; the loader, the known names, the secrets hidden, the README
table and ``reptidex settings`` all follow the declarations."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import MISSING, fields
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reptidex.cli import main
from reptidex.services.kernel.redaction import is_secret_name
from reptidex.services.kernel.setting_declarations import (
    SECTIONS,
    Bounded,
    Family,
    Setting,
    env_text,
    markdown_table,
)
from reptidex.services.kernel.settings import (
    DECLARATIONS,
    KNOWN_ENV_VARS,
    Settings,
    SettingsError,
    load_settings,
    shown_value,
)

SCALARS = [item for item in DECLARATIONS if isinstance(item, Setting)]
FAMILIES = [item for item in DECLARATIONS if isinstance(item, Family)]
BOUNDED = [item for item in SCALARS if isinstance(item.parse, Bounded)]


def test_every_field_is_declared_once_and_every_known_name_by_one_declaration() -> None:
    assert [item.attribute for item in DECLARATIONS] == [item.name for item in fields(Settings)]
    names = Counter(name for item in DECLARATIONS for name in item.env_names)
    assert set(names) == KNOWN_ENV_VARS
    assert max(names.values()) == 1


def test_the_dataclass_defaults_are_the_declared_ones() -> None:
    for item in fields(Settings):
        (declared,) = [d for d in DECLARATIONS if d.attribute == item.name]
        if isinstance(declared, Family):
            factory = item.default_factory
            assert item.default is MISSING
            assert callable(factory)
            assert factory() == {}
        else:
            assert item.default == declared.default


def test_an_empty_environment_gives_the_declared_defaults(tmp_path: Path) -> None:
    settings = load_settings({"REPTIDEX_DATA_DIR": str(tmp_path)})
    for item in SCALARS:
        if item.attribute != "data_dir":
            assert getattr(settings, item.attribute) == item.default, item.name
    for family in FAMILIES:
        expected = {
            member: value
            for member in family.members
            if (value := family.default(tmp_path, member)) is not None
        }
        assert getattr(settings, family.attribute) == expected, family.name
    assert load_settings({}).data_dir == Path("data")


@pytest.mark.parametrize("item", SCALARS, ids=lambda item: item.name)
def test_the_default_the_readme_shows_reads_back_as_the_default(item: Setting) -> None:
    text = env_text(item.default)
    if text:
        assert item.parse(text) == item.default
    if item.shown_default is None:
        assert (f"`{text}`" if text else "none") in item.row()


def _problems(environ: dict[str, str]) -> list[str]:
    """What ``load_settings`` finds wrong with ``environ`` (raising nothing but SettingsError)."""
    try:
        load_settings(environ)
    except SettingsError as exc:
        return exc.problems
    return []


def _outside(bounds: Bounded[int] | Bounded[float]) -> list[str]:
    step = 1 if bounds.kind is int else 0.5
    values = []
    if bounds.above is not None:
        values.append(bounds.above)
    if bounds.at_least is not None:
        values.append(bounds.at_least - step)
    if bounds.at_most is not None:
        values.append(bounds.at_most + step)
    return [env_text(value) for value in values]


@pytest.mark.parametrize("item", BOUNDED, ids=lambda item: item.name)
def test_a_value_out_of_bounds_is_refused_with_the_declared_message(item: Setting) -> None:
    bounds = item.parse
    assert isinstance(bounds, Bounded)
    assert _outside(bounds)
    for value in _outside(bounds):
        with pytest.raises(SettingsError) as caught:
            load_settings({item.name: value})
        assert caught.value.problems == [f"{item.name}={value!r}: {bounds.message}"]


@given(
    st.sampled_from(BOUNDED),
    st.one_of(st.integers(-(10**7), 10**7), st.floats(allow_nan=True, allow_infinity=False)),
)
def test_a_number_is_taken_exactly_when_the_bounds_admit_it(
    item: Setting, number: int | float
) -> None:
    bounds = item.parse
    assert isinstance(bounds, Bounded)
    text = repr(number)
    try:
        value = bounds.kind(text)
    except ValueError:  # a float given for a whole number
        admitted = False
    else:
        admitted = bounds.admits(value)
    problems = _problems({item.name: text})
    assert (not problems) == admitted
    if admitted:
        assert getattr(load_settings({item.name: text}), item.attribute) == value
    else:
        assert problems[0].startswith(f"{item.name}=")


# What an environment variable can hold: no NUL; undecodable bytes arrive as \udc80-\udcff.
ENVIRONMENT_TEXT = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00")
    | st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF),
    max_size=40,
)


@given(st.sampled_from(sorted(KNOWN_ENV_VARS)), ENVIRONMENT_TEXT)
def test_any_text_gives_settings_or_a_settings_error(name: str, text: str) -> None:
    assert all(problem.startswith("REPTIDEX_") for problem in _problems({name: text}))


def test_the_secret_flag_agrees_with_the_log_scrubbers_secret_names() -> None:
    # Log lines hide fields by name; a secret setting logged by its attribute must be hidden too.
    for item in DECLARATIONS:
        assert item.secret == is_secret_name(item.attribute), item.attribute


def test_secrets_are_hidden_by_their_flag_and_url_passwords_masked() -> None:
    environ = {
        "REPTIDEX_STRIPE_SECRET_KEY": "key-value-0001",
        "REPTIDEX_STRIPE_WEBHOOK_SECRET": "webhook-value-0002",
        "REPTIDEX_SIGNING_KEY_SECRET": "signing-value-0003",
        "REPTIDEX_CORE_SERVICE_SECRET": "service-value-0004",
        "REPTIDEX_SMTP_URL": "smtp://mailer:password-0005@mail.example:587",
        "REPTIDEX_ACCESS_TOKEN_TTL": "600",
    }
    shown = repr(load_settings(environ))
    for value in ("0001", "0002", "0003", "0004", "0005"):
        assert value not in shown
    assert "smtp://mailer:***@mail.example:587" in shown
    assert "access_token_ttl=600.0" in shown
    secret_names = {name for item in DECLARATIONS if item.secret for name in item.env_names}
    for name in KNOWN_ENV_VARS:
        assert (shown_value(name, "plain-value") == "<hidden>") == (name in secret_names)


def test_a_bad_secret_is_named_without_its_value() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"REPTIDEX_OPS_SERVICE_SECRET": "too-short"})
    assert caught.value.problems == ["REPTIDEX_OPS_SERVICE_SECRET: must be at least 16 characters"]


def test_the_table_has_a_row_per_declaration_under_its_section() -> None:
    table = markdown_table(DECLARATIONS)
    rows = table.splitlines()
    headings = [rows.index(section.heading()) for section in SECTIONS]
    assert headings == sorted(headings)
    for item in DECLARATIONS:
        (row,) = [row for row in rows if row.startswith(f"| `{item.name}` |")]
        section = SECTIONS.index(item.section)
        after = headings[section + 1] if section + 1 < len(SECTIONS) else len(rows)
        assert headings[section] < rows.index(row) < after
    assert "`<SERVICE>` is `CORE`, `ANIMAL`" in table
    assert "`<PLAN>` is `KEEPER`, `BREEDER` or `BUSINESS`" in table


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(args)
    return int(exited.value.code or 0)


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in [name for name in os.environ if name.startswith("REPTIDEX_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("REPTIDEX_DATA_DIR", str(tmp_path))
    return monkeypatch


def test_the_command_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["settings", "--markdown"]) == 0
    assert capsys.readouterr().out == markdown_table(DECLARATIONS)


def test_the_command_shows_the_values_in_effect_secrets_hidden(
    clean_environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    clean_environment.setenv("REPTIDEX_REDIS_URL", "redis://:cache-password@cache:6379/0")
    clean_environment.setenv("REPTIDEX_STRIPE_SECRET_KEY", "sk_test_abcdef123456")
    clean_environment.setenv("REPTIDEX_HEALTH_TIMEOUT", "0.25")
    assert _run(["settings"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(KNOWN_ENV_VARS)
    assert f"REPTIDEX_DATA_DIR={tmp_path}" in lines
    assert "REPTIDEX_REDIS_URL=redis://:***@cache:6379/0" in lines
    assert "REPTIDEX_STRIPE_SECRET_KEY=<hidden>" in lines
    assert "REPTIDEX_HEALTH_TIMEOUT=0.25" in lines
    assert "REPTIDEX_HTTP_TIMEOUT=5  # default" in lines
    assert "REPTIDEX_CORE_URL=http://127.0.0.1:8001  # default" in lines
    assert "REPTIDEX_S3_REGION=  # default: boto3's" in lines


def test_the_command_refuses_bad_settings(
    clean_environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_environment.setenv("REPTIDEX_TOKEN_LEEWAY", "3600")
    assert _run(["settings"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "REPTIDEX_TOKEN_LEEWAY='3600': must be a whole number of seconds from 0 to 300" in (
        captured.err
    )
