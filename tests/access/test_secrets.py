"""The secret box: the key file (mode 0600, one key however many processes race), a configured key, rotation."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from stripeflow.access.secrets import SecretBox, SecretDecryptionError, load_or_create_key
from stripeflow.errors import ConfigurationError
from stripeflow.settings import Settings


def test_the_key_file_is_made_once_with_mode_0600_and_reused(tmp_path: Path) -> None:
    box = SecretBox.from_settings(Settings(data_dir=tmp_path / "data"))
    sealed = box.seal({"accessToken": "sk_test_secret"})
    assert b"sk_test_secret" not in sealed
    key_file = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = SecretBox.from_settings(Settings(data_dir=tmp_path / "data"))
    assert again.unseal(sealed) == {"accessToken": "sk_test_secret"}
    assert sorted(path.name for path in key_file.parent.iterdir()) == ["secret.key"], "no staging file is left"


def test_racing_creators_agree_on_one_key(tmp_path: Path) -> None:
    keys: list[bytes] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        keys.append(load_or_create_key(tmp_path / "secret.key"))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1


def test_a_configured_key_rotation_and_a_wrong_key(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = SecretBox.from_settings(Settings(data_dir=tmp_path, secret_key=old)).seal({"a": "b"})
    assert not (tmp_path / "secret.key").exists()
    rotated = SecretBox.from_settings(Settings(data_dir=tmp_path, secret_key=f"{new}, {old}"))
    assert rotated.unseal(sealed) == {"a": "b"}
    assert SecretBox.from_settings(Settings(data_dir=tmp_path, secret_key=new)).unseal(rotated.seal({"c": "d"})) == {
        "c": "d"
    }
    with pytest.raises(SecretDecryptionError, match="cannot be decrypted"):
        SecretBox.from_settings(Settings(data_dir=tmp_path, secret_key=new)).unseal(sealed)


def test_a_malformed_configured_key_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"Fernet\.generate_key"):
        SecretBox.from_settings(Settings(data_dir=tmp_path, secret_key="not-a-key"))
    (tmp_path / "secret.key").write_bytes(b"")
    with pytest.raises(ConfigurationError, match="is empty"):
        SecretBox.from_settings(Settings(data_dir=tmp_path))
