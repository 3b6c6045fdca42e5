"""Analyst sign-in decisions: OpenID Connect, password, or off."""

from __future__ import annotations

import hmac

from footprint import auth


def test_off_without_anything_configured():
    config = auth.auth_config({}, {})
    assert config.mode == auth.OFF
    assert not config.enabled
    assert "FOOTPRINT_ANALYST_PASSWORD" in auth.HOW_TO_ENABLE
    assert "analyst_password" in auth.HOW_TO_ENABLE and "[auth]" in auth.HOW_TO_ENABLE


def test_password_from_the_environment_or_the_secrets():
    assert auth.auth_config({}, {"FOOTPRINT_ANALYST_PASSWORD": "pw"}).mode == auth.PASSWORD
    config = auth.auth_config(
        {"analyst_password": "from-secrets"}, {"FOOTPRINT_ANALYST_PASSWORD": "env"}
    )
    assert config.mode == auth.PASSWORD
    assert config.password == "from-secrets"
    assert "from-secrets" not in repr(config)
    assert auth.auth_config({}, {"FOOTPRINT_ANALYST_PASSWORD": "  "}).mode == auth.OFF


def test_oidc_wins_when_an_auth_section_exists():
    secrets = {
        "auth": {
            "redirect_uri": "http://x/oauth2callback",
            "cookie_secret": "c",
            "google": {"client_id": "i"},
        },
        "analyst_password": "pw",
        "analyst_emails": ["Ana@Example.org"],
    }
    config = auth.auth_config(secrets, {})
    assert config.mode == auth.OIDC
    assert config.provider == "google"
    assert auth.oidc_user_is_analyst(config, True, "ana@example.org")
    assert not auth.oidc_user_is_analyst(config, True, "someone@example.org")
    assert not auth.oidc_user_is_analyst(config, False, "ana@example.org")
    anyone = auth.auth_config({"auth": {"client_id": "i", "server_metadata_url": "u"}}, {})
    assert anyone.provider is None
    assert auth.oidc_user_is_analyst(anyone, True, None)


def test_password_compare_is_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    assert auth.password_matches("s3cret", "s3cret")
    assert not auth.password_matches("s3cre", "s3cret")
    assert not auth.password_matches("", "s3cret")
    assert not auth.password_matches("x", None)
    assert len(calls) == 2


def test_secrets_that_raise_count_as_absent():
    class Missing:
        def get(self, key):
            raise FileNotFoundError("no secrets.toml")

    assert auth.auth_config(Missing(), {}).mode == auth.OFF


def test_lockout_after_repeated_failures():
    assert auth.locked_for(0, None, 100.0) == 0
    assert auth.locked_for(auth.MAX_FAILURES - 1, 99.0, 100.0) == 0
    assert auth.locked_for(auth.MAX_FAILURES, 99.0, 100.0) == auth.LOCKOUT_SECONDS - 1
    assert auth.locked_for(auth.MAX_FAILURES, 0.0, 100.0) == 0
