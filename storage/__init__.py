"""Storage: SQLAlchemy models, repositories, migrations and the personal-data vault.

Nothing outside this package writes SQL. Entry points:
  storage.database  create_engine(url), create_session_factory(engine)
  storage.migrate   upgrade(url_or_engine), downgrade(...), is_up_to_date(...)
  storage.revision  head_revision(), current_revision(engine): the start-up check, no Alembic
  storage.repositories  HouseRepository, PollRepository, ResidentRepository,
                        FlatRepository, BallotRepository
  storage.pii       PiiVault (HMAC digests, AES-GCM seals)
  storage.house_import  import_houses(session, path), read_unoms(path)
"""
