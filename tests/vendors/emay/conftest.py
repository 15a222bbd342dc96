from __future__ import annotations

from typing import Any

import pytest

from .client import EmayClient


@pytest.fixture
async def emay(sim_client) -> EmayClient:
    return EmayClient(sim_client)


@pytest.fixture
def emay_with(make_client):
    """An EmayClient on a simulator with one extra emay account (``account`` fields) and settings."""

    async def factory(
        app_id: str = "EUCP-EMY-TEST-00001",
        secret: str = "0123456789abcdef",
        settings: dict[str, Any] | None = None,
        gzip: bool = True,
        **account: Any,
    ) -> EmayClient:
        acct = {"vendor": "emay", "id": app_id, "secret": secret, **account}
        http = await make_client(accounts=[acct], vendors={"emay": settings or {}})
        return EmayClient(http, app_id, secret, gzip=gzip)

    return factory
