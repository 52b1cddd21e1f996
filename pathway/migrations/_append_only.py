"""The triggers that make a table append-only in PostgreSQL (used by migrations): a row trigger
refusing UPDATE and DELETE, and a statement trigger refusing TRUNCATE (0009)."""


def refusing_function(name: str, what: str) -> str:
    """A trigger function that refuses the operation, saying `what` is append-only."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{what} append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


FUNCTION = refusing_function("revisions_append_only", "record revisions are")


def triggers(tables, function: str = "revisions_append_only"):
    return "".join(
        f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}();\n"
        for t in tables
    )


def drop(tables):
    return "".join(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};\n" for t in tables)


def truncate_guards(tables):
    """Statement triggers calling 0009's history_refuses_truncate()."""
    return "".join(
        f"CREATE TRIGGER {t}_refuses_truncate BEFORE TRUNCATE ON {t} "
        "FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();\n"
        for t in tables
    )


def truncate_guards_drop(tables):
    return "".join(f"DROP TRIGGER IF EXISTS {t}_refuses_truncate ON {t};\n" for t in tables)
