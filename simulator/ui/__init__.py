"""The developer sandbox: a live web inbox at ``/_sim/ui/`` that reads everything through the admin API.

Pages are thin server-rendered shells (Jinja2); small vanilla scripts in ``static/`` fetch the JSON admin
API and follow the live feed (``/_sim/events``).  No build step, no CDN: every asset is served from here.
"""

from .routes import setup

__all__ = ["setup"]
