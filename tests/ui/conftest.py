"""Fixtures of the browser tests; see harness.py (a real simulator, headless Chromium, a receiver)."""

from .harness import browser, page, pytest_collection_modifyitems, receiver, server, sim_server

__all__ = ["browser", "page", "pytest_collection_modifyitems", "receiver", "server", "sim_server"]
