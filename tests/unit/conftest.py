"""Fixtures the unit tests share: the session's throwaway PostgreSQL (``tests/pg_server.py``,
issue 22), started only when a test asks for ``pg_server``."""

from tests.pg_server import pg_server  # noqa: F401
