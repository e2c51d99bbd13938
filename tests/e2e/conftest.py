"""End-to-end tests share the session daemon defined in tests/conftest.py."""
