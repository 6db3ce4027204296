"""PayPal for plans is configured from the platform's PayPal app and billing's own webhook and
plan ids, all or nothing, with the app's secret hidden; ``reptidex billing paypal-plans``
creates the plans and prints the settings that name them."""

from __future__ import annotations

from pathlib import Path

import pytest

from paypal_stand_in import PAYPAL_CLIENT, PayPalStandIn
from reptidex.cli import build_parser
from reptidex.services.core.wiring import payment_gateways, paypal_billing_config
from reptidex.services.kernel.settings import SettingsError, load_settings

ENVIRON = {
    "REPTIDEX_PAYPAL_CLIENT_ID": "AbCdClientId",
    "REPTIDEX_PAYPAL_CLIENT_SECRET": "EFgh-very-secret",
    "REPTIDEX_BILLING_PAYPAL_WEBHOOK_ID": "8PT597110X687430L",
    "REPTIDEX_PAYPAL_PLAN_KEEPER": "P-KEEPER",
    "REPTIDEX_PAYPAL_PLAN_BREEDER": "P-BREEDER",
    "REPTIDEX_PAYPAL_PLAN_BUSINESS": "P-BUSINESS",
}


def test_paypal_settings_are_read_all_or_nothing_with_the_secret_hidden() -> None:
    settings = load_settings(ENVIRON)
    assert settings.paypal_plans == {
        "keeper": "P-KEEPER",
        "breeder": "P-BREEDER",
        "business": "P-BUSINESS",
    }
    config = paypal_billing_config(settings)
    assert config is not None
    assert (config.api.client_id, config.api.webhook_id) == ("AbCdClientId", "8PT597110X687430L")
    assert [gateway.provider.value for gateway in payment_gateways(settings)] == ["paypal"]
    assert "EFgh-very-secret" not in repr(settings)
    assert "EFgh-very-secret" not in repr(config)
    for left_out in ENVIRON:
        partial = {name: value for name, value in ENVIRON.items() if name != left_out}
        assert paypal_billing_config(load_settings(partial)) is None, left_out
    # the marketplace's webhook is not billing's: it does not turn PayPal on for plans
    marketplace = {**ENVIRON, "REPTIDEX_PAYPAL_WEBHOOK_ID": "3KW05814BV1926519"}
    del marketplace["REPTIDEX_BILLING_PAYPAL_WEBHOOK_ID"]
    assert paypal_billing_config(load_settings(marketplace)) is None
    with pytest.raises(SettingsError) as raised:
        load_settings({"REPTIDEX_PAYPAL_PLAN_GOLD": "P-GOLD"})
    assert "REPTIDEX_PAYPAL_PLAN_GOLD: unknown setting" in "\n".join(raised.value.problems)


def test_the_command_creates_the_plans_and_prints_their_settings(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    with PayPalStandIn() as paypal:
        monkeypatch.setenv("REPTIDEX_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("REPTIDEX_PAYPAL_CLIENT_ID", PAYPAL_CLIENT[0])
        monkeypatch.setenv("REPTIDEX_PAYPAL_CLIENT_SECRET", PAYPAL_CLIENT[1])
        monkeypatch.setenv("REPTIDEX_PAYPAL_API_BASE", paypal.base)
        args = build_parser().parse_args(["billing", "paypal-plans"])
        assert args.func(args) == 0
        printed = capsys.readouterr().out.splitlines()
        assert [line.split("=")[0] for line in printed] == [
            "REPTIDEX_PAYPAL_PLAN_KEEPER",
            "REPTIDEX_PAYPAL_PLAN_BREEDER",
            "REPTIDEX_PAYPAL_PLAN_BUSINESS",
        ]
        assert {line.split("=")[1] for line in printed} == set(paypal.plans)
        monkeypatch.setenv("REPTIDEX_PAYPAL_CLIENT_SECRET", "wrong")
        assert args.func(args) == 1
        assert "PayPal refused to give a token" in capsys.readouterr().err
    monkeypatch.delenv("REPTIDEX_PAYPAL_CLIENT_SECRET")
    assert args.func(args) == 2
    assert "REPTIDEX_PAYPAL_CLIENT_SECRET" in capsys.readouterr().err
