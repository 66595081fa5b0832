"""Access to the store and the wiring's callables from inside a request."""

from __future__ import annotations

from flask import current_app

from store import Store

from .services import Services


def get_store() -> Store:
    return current_app.extensions["yuqing_store"]


def get_services() -> Services:
    return current_app.extensions["yuqing_services"]
