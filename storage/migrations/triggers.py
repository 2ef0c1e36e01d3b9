"""The verification queue's triggers: a registry check for every ballot that is or becomes pending.

Defined once for migration 0002, which creates them, and for every later migration that rebuilds
the ballots table on SQLite (batch mode drops a table's triggers with it).
"""
from alembic import op

# A ballot inserted as pending, or set back to pending (a correction), is queued at once.
# The due time is the ballot's `updated_at`: its cast or its correction.
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER ballots_queue_check_on_insert AFTER INSERT ON ballots
    WHEN NEW.status = 'pending'
    BEGIN
        INSERT OR IGNORE INTO registry_checks (ballot_id, due_at, attempts, waiting_for)
        VALUES (NEW.id, NEW.updated_at, 0, '[]');
    END
    """,
    """
    CREATE TRIGGER ballots_queue_check_on_update AFTER UPDATE OF status ON ballots
    WHEN NEW.status = 'pending'
    BEGIN
        INSERT OR IGNORE INTO registry_checks (ballot_id, due_at, attempts, waiting_for)
        VALUES (NEW.id, NEW.updated_at, 0, '[]');
    END
    """,
)
POSTGRES_TRIGGERS = (
    """
    CREATE FUNCTION queue_registry_check() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO registry_checks (ballot_id, due_at, attempts, waiting_for)
        VALUES (NEW.id, NEW.updated_at, 0, '[]'::jsonb)
        ON CONFLICT (ballot_id) DO NOTHING;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER ballots_queue_check AFTER INSERT OR UPDATE OF status ON ballots
    FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION queue_registry_check()
    """,
)




def create_sqlite() -> None:
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)
