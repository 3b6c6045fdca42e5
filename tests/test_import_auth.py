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


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_throttle_counts_per_client_and_per_process_with_a_growing_delay():
    clock = Clock()
    throttle = auth.SignInThrottle(clock)
    for _ in range(auth.MAX_FAILURES):
        assert throttle.attempt("10.0.0.1", "wrong", "right") == (False, 0.0)
    ok, wait = throttle.attempt("10.0.0.1", "right", "right")
    assert not ok and wait == auth.LOCKOUT_SECONDS  # the right password is not even checked
    # another address is not locked by the first one's failures ...
    assert throttle.attempt("10.0.0.2", "right", "right") == (True, 0.0)
    # ... but a success clears only its own count and the process's
    clock.now += auth.LOCKOUT_SECONDS
    assert throttle.attempt("10.0.0.1", "wrong", "right") == (False, 0.0)
    ok, wait = throttle.attempt("10.0.0.1", "right", "right")
    assert wait == 2 * auth.LOCKOUT_SECONDS  # doubled after one more failure
    clock.now += 2 * auth.LOCKOUT_SECONDS
    assert throttle.attempt("10.0.0.1", "right", "right") == (True, 0.0)


def test_throttle_without_a_client_address_counts_the_process():
    clock = Clock()
    throttle = auth.SignInThrottle(clock)
    for _ in range(auth.MAX_PROCESS_FAILURES):
        throttle.attempt(None, "wrong", "right")
    assert throttle.wait(None) == auth.LOCKOUT_SECONDS
    assert throttle.wait("10.0.0.9") == auth.LOCKOUT_SECONDS  # everyone waits
    assert auth.locked_for(auth.MAX_FAILURES + 40, 0.0, 0.0) == auth.MAX_LOCKOUT_SECONDS


def test_analyst_names_are_tidied():
    assert auth.analyst_name("  Sana   Baloch ") == "Sana Baloch"
    assert auth.analyst_name("   ") is None
    assert len(auth.analyst_name("x" * 500)) == auth.MAX_NAME_LENGTH
