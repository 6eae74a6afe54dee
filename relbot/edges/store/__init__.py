"""The store: SQLAlchemy Core tables with named migrations, on SQLite or PostgreSQL."""
