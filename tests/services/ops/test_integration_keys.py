"""Integration secrets sealed through the key-management port: the local AES-256-GCM key and
AWS KMS (against moto in server mode), both bound to the encryption context; and the settings
that choose between them."""

from __future__ import annotations

import base64
import stat
import uuid
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from reptidex.adapters.keys.aws_kms import AwsKmsKeyManagement
from reptidex.adapters.keys.local import (
    KEY_FILE,
    LocalKeyManagement,
    key_from_folder,
    parse_key,
)
from reptidex.domain.integrations.keys import KeyManagement, SecretUnavailable
from reptidex.domain.integrations.model import secret_context
from reptidex.services.kernel.settings import Settings, SettingsError, load_settings
from reptidex.services.ops.wiring import key_management

CONTEXT = secret_context(uuid.uuid4(), uuid.uuid4(), 1)
KEY = bytes(range(32))


def _kms_key(endpoint: str) -> str:
    client = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1")
    return str(client.create_key(Description="reptidex tests")["KeyMetadata"]["KeyId"])


@pytest.fixture(params=["local", "aws-kms"])
def keys(request: pytest.FixtureRequest) -> KeyManagement:
    if request.param == "local":
        return LocalKeyManagement(KEY)
    endpoint = request.getfixturevalue("aws_endpoint")
    return AwsKmsKeyManagement(_kms_key(endpoint), endpoint_url=endpoint, region="us-east-1")


async def test_a_secret_opens_under_its_context_only(keys: KeyManagement) -> None:
    sealed = await keys.encrypt(b"whsec_abc", CONTEXT)
    assert b"whsec_abc" not in sealed
    assert await keys.decrypt(sealed, CONTEXT) == b"whsec_abc"
    assert await keys.encrypt(b"whsec_abc", CONTEXT) != sealed  # a fresh nonce each time
    for changed in (
        {**CONTEXT, "webhook_id": str(uuid.uuid4())},  # copied onto another webhook
        {**CONTEXT, "organisation_id": str(uuid.uuid4())},  # or another organisation
        {**CONTEXT, "version": "2"},
        {k: v for k, v in CONTEXT.items() if k != "version"},
        {},
    ):
        with pytest.raises(SecretUnavailable):
            await keys.decrypt(sealed, changed)


async def test_a_tampered_ciphertext_does_not_open(keys: KeyManagement) -> None:
    sealed = await keys.encrypt(b"whsec_abc", CONTEXT)
    for tampered in (sealed[:-1] + bytes([sealed[-1] ^ 1]), sealed[:-3], b"", b"\x01" * 40):
        with pytest.raises(SecretUnavailable):
            await keys.decrypt(tampered, CONTEXT)


async def test_the_names_of_the_keys() -> None:
    assert LocalKeyManagement(KEY).name == "local"
    assert AwsKmsKeyManagement("k", client=object()).name == "aws-kms"


async def test_another_local_key_is_told_apart_from_tampering() -> None:
    sealed = await LocalKeyManagement(KEY).encrypt(b"s", CONTEXT)
    assert sealed[:1] == b"\x01"
    assert len(sealed) == 1 + 4 + 12 + 1 + 16
    with pytest.raises(SecretUnavailable, match="another local key"):
        await LocalKeyManagement(bytes(32)).decrypt(sealed, CONTEXT)
    with pytest.raises(SecretUnavailable, match="does not match"):
        await LocalKeyManagement(KEY).decrypt(sealed, {**CONTEXT, "version": "9"})
    with pytest.raises(SecretUnavailable, match="not a ciphertext"):
        await LocalKeyManagement(KEY).decrypt(b"\x02" + sealed[1:], CONTEXT)
    with pytest.raises(ValueError, match="32 bytes"):
        LocalKeyManagement(bytes(16))


async def test_another_kms_key_does_not_open_the_secret(aws_endpoint: str) -> None:
    first = AwsKmsKeyManagement(_kms_key(aws_endpoint), endpoint_url=aws_endpoint)
    second = AwsKmsKeyManagement(_kms_key(aws_endpoint), endpoint_url=aws_endpoint)
    sealed = await first.encrypt(b"whsec_abc", CONTEXT)
    with pytest.raises(SecretUnavailable, match="KMS refused"):
        await second.decrypt(sealed, CONTEXT)


async def test_kms_out_of_reach_is_unavailable_not_a_crash() -> None:
    from platform_process import free_port

    away = AwsKmsKeyManagement(
        "alias/none", endpoint_url=f"http://127.0.0.1:{free_port()}", region="us-east-1"
    )
    with pytest.raises(SecretUnavailable, match="KMS unreachable"):
        await away.encrypt(b"s", CONTEXT)


def test_a_key_is_32_bytes_of_base64() -> None:
    text = base64.b64encode(KEY).decode()
    assert parse_key(text) == KEY
    assert parse_key(base64.urlsafe_b64encode(KEY).decode().rstrip("=")) == KEY
    assert parse_key(f"  {text}\n") == KEY
    for bad in ("", "short", base64.b64encode(bytes(31)).decode(), text + "AAAA", "é" * 44):
        with pytest.raises(ValueError, match="32 random bytes"):
            parse_key(bad)


def test_without_a_key_one_is_made_once_in_the_data_folder(tmp_path: Path) -> None:
    made = key_from_folder(tmp_path / "data")
    path = tmp_path / "data" / KEY_FILE
    assert len(made) == 32
    assert path.read_bytes() == made
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key_from_folder(tmp_path / "data") == made


async def test_the_settings_choose_the_key_management(
    make_settings: Callable[..., Settings], aws_endpoint: str, tmp_path: Path
) -> None:
    folder = key_management(make_settings())
    assert isinstance(folder, LocalKeyManagement)
    sealed = await folder.encrypt(b"s", CONTEXT)
    assert await key_management(make_settings()).decrypt(sealed, CONTEXT) == b"s"  # same file

    given = key_management(make_settings(integration_secrets_key=base64.b64encode(KEY).decode()))
    assert await given.decrypt(await LocalKeyManagement(KEY).encrypt(b"t", CONTEXT), CONTEXT) == (
        b"t"
    )

    key_id = _kms_key(aws_endpoint)
    kms = key_management(
        make_settings(
            key_management="aws-kms",
            kms_key_id=key_id,
            kms_endpoint_url=aws_endpoint,
            kms_region="us-east-1",
        )
    )
    assert isinstance(kms, AwsKmsKeyManagement)
    assert kms.key_id == key_id
    assert await kms.decrypt(await kms.encrypt(b"u", CONTEXT), CONTEXT) == b"u"


def test_kms_needs_a_key_id_and_the_local_key_is_checked_and_hidden() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"REPTIDEX_KEY_MANAGEMENT": "aws-kms"})
    assert refused.value.problems == [
        "REPTIDEX_KEY_MANAGEMENT='aws-kms': needs REPTIDEX_KMS_KEY_ID"
    ]
    with pytest.raises(SettingsError) as bad:
        load_settings({"REPTIDEX_INTEGRATION_SECRETS_KEY": "not-a-key"})
    assert bad.value.problems == [
        "REPTIDEX_INTEGRATION_SECRETS_KEY: must be 32 random bytes in base64"
        " (openssl rand -base64 32)"
    ]
    text = base64.b64encode(KEY).decode()
    settings = load_settings({"REPTIDEX_INTEGRATION_SECRETS_KEY": text})
    assert settings.integration_secrets_key == text
    assert text not in repr(settings)
    assert "integration_secrets_key='<hidden>'" in repr(settings)
