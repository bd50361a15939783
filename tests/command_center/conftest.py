from tests.rooms.conftest import database, pg_prefix

__all__ = ["database", "pg_prefix"]
