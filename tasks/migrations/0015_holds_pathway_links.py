"""What this app's tables need of the pathway's, done by this app so that the migration graph runs
one way (tasks depends on pathway, never the reverse):

- a re-intervention names the duplex that showed it, a follow-up's or a visit's id
  (pathway_reintervention.follow_up_id and visit_id): the foreign keys holding those ids to this
  app's rows are added here (pathway 0003 and 0004 once made them, depending on tasks);
- this app's revision tables refuse TRUNCATE with pathway 0009's function (that migration once
  made these triggers, depending on tasks 0006).

A database migrated before has both already: the constraints are added only where missing, by
the names they had, and the triggers made again, so every database ends the same.
"""

from django.db import migrations

# The SQL is written out here, as it was when this migration was made: a migration never
# imports the project's code, so it runs the same on a fresh database years from now.
FORWARDS = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conname = 'pathway_reinterventi_follow_up_id_6266fe8b_fk_tasks_fol') THEN
        ALTER TABLE pathway_reintervention
            ADD CONSTRAINT pathway_reinterventi_follow_up_id_6266fe8b_fk_tasks_fol
            FOREIGN KEY (follow_up_id) REFERENCES tasks_followup (id) DEFERRABLE INITIALLY DEFERRED;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conname = 'pathway_reintervention_visit_id_fdaea685_fk_tasks_visit_id') THEN
        ALTER TABLE pathway_reintervention
            ADD CONSTRAINT pathway_reintervention_visit_id_fdaea685_fk_tasks_visit_id
            FOREIGN KEY (visit_id) REFERENCES tasks_visit (id) DEFERRABLE INITIALLY DEFERRED;
    END IF;
END;
$$;
DROP TRIGGER IF EXISTS tasks_historicalfollowup_refuses_truncate ON tasks_historicalfollowup;
DROP TRIGGER IF EXISTS tasks_historicalvisit_refuses_truncate ON tasks_historicalvisit;
CREATE TRIGGER tasks_historicalfollowup_refuses_truncate BEFORE TRUNCATE ON tasks_historicalfollowup FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();
CREATE TRIGGER tasks_historicalvisit_refuses_truncate BEFORE TRUNCATE ON tasks_historicalvisit FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();
"""

BACKWARDS = """
DROP TRIGGER IF EXISTS tasks_historicalfollowup_refuses_truncate ON tasks_historicalfollowup;
DROP TRIGGER IF EXISTS tasks_historicalvisit_refuses_truncate ON tasks_historicalvisit;
ALTER TABLE pathway_reintervention
    DROP CONSTRAINT IF EXISTS pathway_reinterventi_follow_up_id_6266fe8b_fk_tasks_fol;
ALTER TABLE pathway_reintervention
    DROP CONSTRAINT IF EXISTS pathway_reintervention_visit_id_fdaea685_fk_tasks_visit_id;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0014_episode_outcome_to_outcomes"),
        # pathway_reintervention's visit_id (0004) and history_refuses_truncate() (0009).
        ("pathway", "0009_history_refuses_truncate"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
