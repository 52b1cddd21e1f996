"""The trigger that makes a revision table append-only in PostgreSQL (used by migrations)."""

FUNCTION = """
CREATE OR REPLACE FUNCTION revisions_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'record revisions are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def triggers(tables):
    return "".join(
        f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION revisions_append_only();\n"
        for t in tables
    )


def drop(tables):
    return "".join(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};\n" for t in tables)
