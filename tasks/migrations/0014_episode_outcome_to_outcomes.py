from django.db import migrations

# EpisodeOutcome moved to the outcomes app: its table is renamed here, with its rows (derived,
# but 100,000 of them take minutes to reduce again), and it leaves this app's state;
# outcomes 0001 takes it into its own. The rename keeps the primary key, the foreign key to
# the episode, both indexes (named outcome_time_zero and outcome_reduced_at) and the app
# role's grants, which PostgreSQL holds on the table, not its name (`manage.py db_roles`
# grants every table of the schema anyway). No trigger nor sequence belongs to it.


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0013_nurses_acknowledgements_and_feeds"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="episodeoutcome", table="outcomes_episodeoutcome"),
            ],
            state_operations=[
                migrations.DeleteModel(name="EpisodeOutcome"),
            ],
        ),
    ]
