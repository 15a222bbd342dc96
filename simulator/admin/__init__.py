"""The admin API under /_sim/ (JSON): accounts, messages, MO, callbacks, clock, scenario, reset."""
