"""Alembic migrations of the operational store (SQLite and PostgreSQL)."""
