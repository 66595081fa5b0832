"""Fixtures: the dashboard on a real SQLiteStore in tmp_path, users of every role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from dashboard import Services, create_app
from store import User
from store.sqlite_store import SQLiteStore
from tests.dashboard.dashsupport import PASSWORDS

# Cheap hashes keep the suite fast; the app itself hashes with werkzeug's default.
FAST_HASH = "pbkdf2:sha256:1000"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def store(tmp_path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(str(tmp_path / "dash.db"))
    s.setup()
    roles = {"admin": "admin", "duty": "duty", "duty2": "duty", "analyst": "analyst", "gone": "duty"}
    for name, role in roles.items():
        s.add_user(User(username=name, password_hash=generate_password_hash(PASSWORDS[name], method=FAST_HASH),
                        role=role, active=name != "gone", display_name=f"{name}-显示名"))
    yield s
    s.close()


@pytest.fixture
def services_calls() -> list[tuple]:
    return []


@pytest.fixture
def services(services_calls) -> Services:
    """Real callables standing in for the model registry; they record what was asked."""
    # The shape of nlp.registry.ModelRegistry.list(): oldest first, headline figures
    # under metrics.overall, training counts under counts.
    models = [
        {"version": "v1", "active": False, "created_at": "2025-01-01T00:00:00+00:00",
         "counts": {"train": 700, "train_extra": 0},
         "metrics": {"overall": {"relevance_f1": 0.71, "category_macro_f1": 0.6}}},
        {"version": "v2", "active": True, "created_at": "2025-02-01T00:00:00+00:00",
         "counts": {"train": 812, "train_extra": 12},
         "metrics": {"overall": {"relevance_f1": 0.78, "category_macro_f1": 0.65},
                     "tasks": {"risk": {"per_class": {}}}}},
    ]

    def retrain() -> str:
        services_calls.append(("retrain",))
        return "v3"

    def activate(version: str) -> None:
        if version not in {m["version"] for m in models}:
            raise ValueError(f"没有版本 {version}")
        services_calls.append(("activate", version))

    def rollback() -> str:
        services_calls.append(("rollback",))
        return "v1"

    return Services(retrain=retrain, list_models=lambda: models, activate_model=activate,
                    rollback_model=rollback)


@pytest.fixture
def app(store, services) -> Flask:
    return create_app({"SECRET_KEY": "test-secret-key", "LOGIN_MAX_FAILURES": 3,
                       "LOGIN_LOCKOUT_SECONDS": 600}, store, services)


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


def token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def csrf() -> Callable[[FlaskClient, str], str]:
    """The CSRF token a page hands to its forms (as a browser would read it)."""

    def get(client: FlaskClient, path: str = "/login") -> str:
        return token_from(client.get(path).get_data(as_text=True))

    return get


@pytest.fixture
def login(csrf) -> Callable[..., FlaskClient]:
    def do(client: FlaskClient, username: str, password: str | None = None):
        token = csrf(client, "/login")
        return client.post("/login", data={"username": username,
                                           "password": password or PASSWORDS[username],
                                           "csrf_token": token})

    return do


@pytest.fixture
def as_user(app, login) -> Callable[[str], FlaskClient]:
    """A fresh client logged in as `username`."""

    def make(username: str) -> FlaskClient:
        c = app.test_client()
        resp = login(c, username)
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return c

    return make


@pytest.fixture
def post(csrf) -> Callable[..., object]:
    """POST a form the way the page would, with the token from `page`."""

    def do(client: FlaskClient, path: str, data: dict, page: str = "/"):
        return client.post(path, data={**data, "csrf_token": csrf(client, page)})

    return do
