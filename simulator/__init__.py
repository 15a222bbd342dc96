"""sms-simulator: a faithful local simulator of five Chinese SMS vendors' HTTP APIs."""

__version__ = "0.1.0"
