"""The test suite's shared fixtures (tests/support): what the web and browser tests build once per session."""

pytest_plugins = ["tests.support.once_per_session"]
