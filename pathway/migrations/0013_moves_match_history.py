"""PostgreSQL holds an episode's state and its history to each other, whoever writes them
(issue 21): the app's role may insert history rows, so a forged one would be a row that
describes no actual move, and a state set by hand would be a move with no row.

- Each history row records the transaction that wrote it (`txid`, a column the model does not
  name, by default `txid_current()`); only the tables' owner (a restore, a bulk load) may write
  another value. Each episode records the transaction that last changed its state
  (`state_txid`, set by a trigger whatever the client sends).
- At commit (constraint triggers, DEFERRABLE INITIALLY DEFERRED, so the move service may save
  the state before it writes the row, as it always has): a state changed from A to B has a
  history row from A to B written in the same transaction; a history row starts where the row
  before it ended, moves somewhere (its source is not its target), leaves the episode's history
  ending in the episode's state, and, unless it opens the episode, belongs to a transaction
  that changed that episode's state (or inserted the episode).
- A re-intervention's coded reasons are kept like its move: UPDATE, DELETE and TRUNCATE of
  pathway_reintervention are refused even to the owner (the functions of 0002 and 0009).
- Stents are corrected, never deleted: a note written again supersedes its stents
  (`superseded_at`) and writes the new ones; the note's revisions keep each list.
"""

from django.db import migrations, models

FORWARDS = """
ALTER TABLE pathway_transition ADD COLUMN txid bigint;
ALTER TABLE pathway_transition ALTER COLUMN txid SET DEFAULT txid_current();
ALTER TABLE pathway_episode ADD COLUMN state_txid bigint;
ALTER TABLE pathway_episode ALTER COLUMN state_txid SET DEFAULT txid_current();

CREATE TRIGGER pathway_reintervention_append_only
    BEFORE UPDATE OR DELETE ON pathway_reintervention
    FOR EACH ROW EXECUTE FUNCTION pathway_history_append_only();
CREATE TRIGGER pathway_reintervention_refuses_truncate BEFORE TRUNCATE ON pathway_reintervention
    FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();

CREATE OR REPLACE FUNCTION pathway_episode_state_txid() RETURNS trigger AS $$
BEGIN
    IF NEW.state IS DISTINCT FROM OLD.state THEN
        NEW.state_txid := txid_current();
    ELSE
        NEW.state_txid := OLD.state_txid;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER pathway_episode_state_txid BEFORE UPDATE ON pathway_episode
    FOR EACH ROW EXECUTE FUNCTION pathway_episode_state_txid();

CREATE OR REPLACE FUNCTION pathway_state_change_has_its_move() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pathway_transition t
        WHERE t.episode_id = NEW.id AND t.source = OLD.state AND t.target = NEW.state
          AND t.txid = txid_current()
    ) THEN
        RAISE EXCEPTION 'episode % moved from % to % with no history row of that move: refused',
            NEW.id, OLD.state, NEW.state
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'An episode moves through the move service, which writes its history row.';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER pathway_episode_state_has_its_move
    AFTER UPDATE OF state ON pathway_episode
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION pathway_state_change_has_its_move();

CREATE OR REPLACE FUNCTION pathway_transition_written_now() RETURNS trigger AS $$
BEGIN
    IF NEW.txid IS DISTINCT FROM txid_current() AND NOT pg_has_role(
        current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER'
    ) THEN
        RAISE EXCEPTION 'a history row belongs to the transaction of its move: txid refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.source = NEW.target THEN
        RAISE EXCEPTION 'a history row from % to % moves nowhere: refused', NEW.source, NEW.target
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER pathway_transition_written_now BEFORE INSERT ON pathway_transition
    FOR EACH ROW EXECUTE FUNCTION pathway_transition_written_now();

CREATE OR REPLACE FUNCTION pathway_move_matches_episode() RETURNS trigger AS $$
DECLARE
    state_now text;
    state_changed bigint;
    previous text;
    head text;
BEGIN
    SELECT e.state, e.state_txid INTO state_now, state_changed
    FROM pathway_episode e WHERE e.id = NEW.episode_id;
    SELECT t.target INTO previous FROM pathway_transition t
    WHERE t.episode_id = NEW.episode_id AND t.id < NEW.id ORDER BY t.id DESC LIMIT 1;
    IF FOUND AND previous IS DISTINCT FROM NEW.source THEN
        RAISE EXCEPTION 'history row % of episode % starts from % but the move before it ended in %: refused',
            NEW.id, NEW.episode_id, NEW.source, previous
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT t.target INTO head FROM pathway_transition t
    WHERE t.episode_id = NEW.episode_id ORDER BY t.id DESC LIMIT 1;
    IF head IS DISTINCT FROM state_now THEN
        RAISE EXCEPTION 'episode % is in % but its history ends in %: history row % refused',
            NEW.episode_id, state_now, head, NEW.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.source <> '' AND NEW.txid = txid_current()
       AND state_changed IS DISTINCT FROM txid_current() THEN
        RAISE EXCEPTION 'history row % says episode % moved from % to %, but its state did not change: refused',
            NEW.id, NEW.episode_id, NEW.source, NEW.target
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER pathway_move_matches_episode
    AFTER INSERT ON pathway_transition
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pathway_move_matches_episode();
"""

BACKWARDS = """
DROP TRIGGER IF EXISTS pathway_reintervention_append_only ON pathway_reintervention;
DROP TRIGGER IF EXISTS pathway_reintervention_refuses_truncate ON pathway_reintervention;
DROP TRIGGER IF EXISTS pathway_move_matches_episode ON pathway_transition;
DROP TRIGGER IF EXISTS pathway_transition_written_now ON pathway_transition;
DROP TRIGGER IF EXISTS pathway_episode_state_has_its_move ON pathway_episode;
DROP TRIGGER IF EXISTS pathway_episode_state_txid ON pathway_episode;
DROP FUNCTION IF EXISTS pathway_move_matches_episode();
DROP FUNCTION IF EXISTS pathway_transition_written_now();
DROP FUNCTION IF EXISTS pathway_state_change_has_its_move();
DROP FUNCTION IF EXISTS pathway_episode_state_txid();
ALTER TABLE pathway_episode DROP COLUMN IF EXISTS state_txid;
ALTER TABLE pathway_transition DROP COLUMN IF EXISTS txid;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0012_stent_spans_lot_udi"),
    ]

    operations = [
        migrations.AddField(
            model_name="stent",
            name="superseded_at",
            field=models.DateTimeField(blank=True, null=True, editable=False),
        ),
        migrations.AddIndex(
            model_name="transition",
            index=models.Index(fields=["episode", "id"], name="transition_episode_order"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
