"""Password hashing: werkzeug's scrypt default unless the setting names a method; stored hashes stay valid."""

from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash

from engine.organisations.passwords import METHOD_SETTING, hash_password


def test_without_the_setting_the_hash_is_werkzeugs_default_scrypt(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(METHOD_SETTING, raising=False)
    made = hash_password("demo1234")
    assert made.startswith("scrypt:32768:8:1$")
    assert check_password_hash(made, "demo1234") and not check_password_hash(made, "demo12345")


def test_the_setting_chooses_the_method_and_older_hashes_still_check(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(METHOD_SETTING, "pbkdf2:sha256:1000")
    cheap = hash_password("secret")
    assert cheap.startswith("pbkdf2:sha256:1000$")
    monkeypatch.setenv(METHOD_SETTING, "scrypt:1024:8:1")
    assert check_password_hash(cheap, "secret")
    assert hash_password("secret").startswith("scrypt:1024:8:1$")


def test_an_unknown_method_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(METHOD_SETTING, "md5")
    with pytest.raises(ValueError):
        hash_password("secret")
