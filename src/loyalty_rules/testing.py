"""pytest plugin and fixtures for ruleset and plugin authors (registered via `pytest11`)."""
