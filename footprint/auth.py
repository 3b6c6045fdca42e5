"""Who may upload and undo: the analyst sign-in decision, without streamlit.

Three set-ups, tried in this order:

1. **OpenID Connect.** When Streamlit's secrets have an ``[auth]`` section,
   analysts sign in with ``st.login`` (the page calls it). Any signed-in user
   is an analyst, unless ``analyst_emails`` (a list in the secrets) names the
   ones who are.
2. **Analyst password.** Otherwise, when ``analyst_password`` is in the
   secrets or ``FOOTPRINT_ANALYST_PASSWORD`` in the environment, an analyst
   types it; it is compared in constant time (``hmac.compare_digest``).
3. **Off.** With neither, nobody can upload and the page says how to turn it
   on (:data:`HOW_TO_ENABLE`).

Wrong passwords are counted per process and per client address
(:class:`SignInThrottle`), not per browser session, with a pause that doubles
with each failure. In password mode the analyst also gives a name, which
batches record as who uploaded or undid them.

Viewers (everyone not signed in) never see upload or undo controls. The
pages keep who is signed in in ``st.session_state``; this module only
decides.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

#: Session key of the signed-in analyst, shared by every page that writes to the store.
ANALYST_KEY = "upload_analyst"

OIDC = "oidc"
PASSWORD = "password"
OFF = "off"

ENV_PASSWORD = "FOOTPRINT_ANALYST_PASSWORD"
SECRET_PASSWORD = "analyst_password"

#: Failed password attempts allowed from one client before a pause.
MAX_FAILURES = 5
#: Failed attempts allowed from all clients of the process together before a pause
#: (browser sessions are free to open, and a client address is not always known).
MAX_PROCESS_FAILURES = 10
#: The first pause, in seconds; each further failure doubles it, up to :data:`MAX_LOCKOUT_SECONDS`.
LOCKOUT_SECONDS = 30.0
#: The longest pause, in seconds.
MAX_LOCKOUT_SECONDS = 15 * 60.0
#: The longest name an analyst may give at sign-in.
MAX_NAME_LENGTH = 80

HOW_TO_ENABLE = (
    "Uploading is turned off: no analyst sign-in is configured. To turn it on, either "
    'set an analyst password (`analyst_password = "..."` in `.streamlit/secrets.toml`, '
    f"or the environment variable `{ENV_PASSWORD}` before starting the app), or configure "
    "an OpenID Connect provider in an `[auth]` section of `.streamlit/secrets.toml` "
    "(see Streamlit's `st.login` documentation); then restart the app."
)


@dataclass(frozen=True)
class AuthConfig:
    """How analysts sign in here.

    Attributes
    ----------
    mode : str
        ``oidc``, ``password`` or ``off``.
    password : str or None
        The analyst password (``password`` mode); never shown (``repr`` hides it).
    analyst_emails : frozenset of str
        In ``oidc`` mode, the analysts' e-mail addresses (empty: everyone signed in).
    provider : str or None
        The named ``[auth.<provider>]`` section, when there is exactly one.
    """

    mode: str
    password: str | None = field(default=None, repr=False)
    analyst_emails: frozenset[str] = frozenset()
    provider: str | None = None

    @property
    def enabled(self) -> bool:
        """True when analysts can sign in at all."""
        return self.mode != OFF


def _get(mapping, key):
    try:
        return mapping.get(key) if mapping is not None else None
    except Exception:  # noqa: BLE001 - st.secrets raises when no secrets file exists
        return None


def auth_config(secrets: Mapping | None = None, environ: Mapping | None = None) -> AuthConfig:
    """Decide how analysts sign in from the secrets and the environment.

    Parameters
    ----------
    secrets : mapping, optional
        ``st.secrets`` or any mapping with the same keys.
    environ : mapping, optional
        The environment (default ``os.environ``).
    """
    environ = os.environ if environ is None else environ
    section = _get(secrets, "auth")
    if isinstance(section, Mapping) and len(section) > 0:
        emails = _get(secrets, "analyst_emails") or []
        if isinstance(emails, str):
            emails = [e for e in emails.replace(";", ",").split(",")]
        providers = [k for k, v in section.items() if isinstance(v, Mapping)]
        return AuthConfig(
            OIDC,
            analyst_emails=frozenset(e.strip().lower() for e in emails if e.strip()),
            provider=providers[0] if len(providers) == 1 and "client_id" not in section else None,
        )
    password = _get(secrets, SECRET_PASSWORD) or environ.get(ENV_PASSWORD)
    if isinstance(password, str) and password.strip():
        return AuthConfig(PASSWORD, password=password)
    return AuthConfig(OFF)


def password_matches(given: str | None, expected: str | None) -> bool:
    """Compare a typed password with the analyst password in constant time."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def oidc_user_is_analyst(config: AuthConfig, is_logged_in: bool, email: str | None) -> bool:
    """Return True when a user signed in with OpenID Connect may upload."""
    if config.mode != OIDC or not is_logged_in:
        return False
    if not config.analyst_emails:
        return True
    return bool(email) and email.strip().lower() in config.analyst_emails


def locked_for(
    failures: int, last_failure: float | None, now: float, allowed: int = MAX_FAILURES
) -> float:
    """Return the seconds to wait before another password attempt (0 when allowed).

    After ``allowed`` failures the pause is :data:`LOCKOUT_SECONDS`, doubled for
    each failure beyond, up to :data:`MAX_LOCKOUT_SECONDS`.
    """
    if failures < allowed or last_failure is None:
        return 0.0
    pause = min(MAX_LOCKOUT_SECONDS, LOCKOUT_SECONDS * 2 ** min(failures - allowed, 20))
    return max(0.0, pause - (now - last_failure))


class SignInThrottle:
    """Failed sign-ins counted per process and per client address, not per browser session.

    A new browser session starts with a clean ``st.session_state``, so a
    counter kept there stops nobody. This one lives in the process (one
    :data:`THROTTLE` shared by every session) and counts each failure twice:
    for the client's address (when Streamlit gives it) and for the process as
    a whole. An attempt waits while either count is locked (see
    :func:`locked_for`); a right password clears the client's count and the
    process's.
    """

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}

    def wait(self, client: str | None) -> float:
        """Seconds ``client`` must wait before trying again (0 when it may try now)."""
        now = self._clock()
        with self._lock:
            process = self._failures.get("*", (0, None))
            wait = locked_for(process[0], process[1], now, MAX_PROCESS_FAILURES)
            if client:
                own = self._failures.get(client, (0, None))
                wait = max(wait, locked_for(own[0], own[1], now))
        return wait

    def failed(self, client: str | None) -> None:
        """Count a wrong password from ``client``."""
        now = self._clock()
        with self._lock:
            for key in ("*", client) if client else ("*",):
                count = self._failures.get(key, (0, None))[0]
                self._failures[key] = (count + 1, now)

    def succeeded(self, client: str | None) -> None:
        """Clear the counts after a right password."""
        with self._lock:
            self._failures.pop("*", None)
            if client:
                self._failures.pop(client, None)

    def attempt(self, client: str | None, given: str | None, expected: str | None) -> tuple:
        """Check a password under the throttle.

        Returns
        -------
        (ok, wait) : (bool, float)
            ``ok`` when the password matched; ``wait`` > 0 when the attempt was
            refused unchecked because of earlier failures.
        """
        wait = self.wait(client)
        if wait:
            return False, wait
        if password_matches(given, expected):
            self.succeeded(client)
            return True, 0.0
        self.failed(client)
        return False, 0.0


#: The process's one throttle, shared by every browser session.
THROTTLE = SignInThrottle()


def analyst_name(text: str | None) -> str | None:
    """Return the name an analyst typed at sign-in, tidied; None when empty.

    Batches record it as who uploaded them. Whitespace is collapsed and the
    name cut to :data:`MAX_NAME_LENGTH` characters.
    """
    name = " ".join(str(text or "").split())[:MAX_NAME_LENGTH]
    return name or None


def sign_in_panel(st, config: AuthConfig, prefix: str = "upload", forget: tuple[str, ...] = ()):
    """Draw the analyst sign-in (or sign-out) controls and return the signed-in analyst, or None.

    Shared by the pages that write to the store (Upload, From text). It takes
    the ``streamlit`` module as an argument so this module does not import it.
    Widget keys start with ``prefix``; the analyst is kept in
    :data:`ANALYST_KEY` so that signing in once is enough for every page.

    Parameters
    ----------
    st : module
        ``streamlit``.
    config : AuthConfig
    prefix : str
        The page's widget key prefix.
    forget : tuple of str
        Session keys to drop on sign-out (the page's work in progress).
    """
    state = st.session_state

    def sign_in() -> None:
        name = analyst_name(state.get(f"{prefix}_name"))
        if not name:
            state[f"{prefix}_sign_in_message"] = "Give your name: batches record who uploaded them."
            state[f"{prefix}_password"] = ""
            return
        ok, wait = THROTTLE.attempt(
            st.context.ip_address, state.get(f"{prefix}_password"), config.password
        )
        if wait:
            state[f"{prefix}_sign_in_message"] = (
                f"Too many wrong passwords: wait {wait:.0f} s before trying again."
            )
        elif ok:
            state[ANALYST_KEY] = {"name": name, "method": PASSWORD}
            state[f"{prefix}_sign_in_message"] = None
        else:
            state[f"{prefix}_sign_in_message"] = "That is not the analyst password."
        state[f"{prefix}_password"] = ""

    def sign_out() -> None:
        for key in (ANALYST_KEY, *forget):
            state.pop(key, None)

    analyst = None
    if config.mode == OFF:
        st.info(HOW_TO_ENABLE, icon=":material/lock:")
    elif config.mode == OIDC:
        if oidc_user_is_analyst(config, st.user.is_logged_in, st.user.get("email")):
            analyst = {
                "name": st.user.get("email") or st.user.get("name") or "analyst",
                "method": OIDC,
            }
            state[ANALYST_KEY] = analyst
            st.button("Sign out", key=f"{prefix}_sign_out", on_click=st.logout)
        elif st.user.is_logged_in:
            state.pop(ANALYST_KEY, None)
            st.warning("You are signed in but not as an analyst, so you cannot upload.")
            st.button("Sign out", key=f"{prefix}_sign_out", on_click=st.logout)
        else:
            st.button(
                "Sign in as an analyst",
                key=f"{prefix}_sign_in",
                on_click=st.login,
                args=(config.provider,) if config.provider else (),
            )
    else:
        analyst = state.get(ANALYST_KEY)
        if analyst:
            st.button("Sign out", key=f"{prefix}_sign_out", on_click=sign_out)
        else:
            with st.form(f"{prefix}_sign_in_form"):
                st.text_input(
                    "Your name",
                    key=f"{prefix}_name",
                    max_chars=MAX_NAME_LENGTH,
                    help="Recorded with each batch you upload or undo.",
                )
                st.text_input("Analyst password", type="password", key=f"{prefix}_password")
                st.form_submit_button("Sign in", on_click=sign_in, key=f"{prefix}_sign_in")
            if state.get(f"{prefix}_sign_in_message"):
                st.error(state[f"{prefix}_sign_in_message"])
    return analyst
