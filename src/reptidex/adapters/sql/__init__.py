"""Relational persistence: SQLAlchemy models, engines and Alembic migrations, per service database."""
