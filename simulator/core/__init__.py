"""The vendor-neutral core: clock, store, accounts, scenarios, engine, dispatcher, events."""
