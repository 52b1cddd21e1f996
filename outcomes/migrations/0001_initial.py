import django.db.models.deletion
from django.db import migrations, models

# EpisodeOutcome, created by tasks 0008 and moved here by tasks 0014 (which renames its table
# to outcomes_episodeoutcome, rows and all): this app takes the model into its state without
# touching the table. Its content type follows it, so that the permissions on the model keep
# their rows; where the new one exists already (a database migrated back and forth), the old
# one is left as it is.


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("pathway", "0006_entered_on_stay_days"),
        ("tasks", "0014_episode_outcome_to_outcomes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="EpisodeOutcome",
                    fields=[
                        (
                            "episode",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="outcome",
                                serialize=False,
                                to="pathway.episode",
                            ),
                        ),
                        ("time_zero", models.DateField(help_text="The index procedure's date.")),
                        (
                            "lesion",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("none", "None"),
                                    ("compression", "Compression"),
                                    ("post_thrombotic", "Post Thrombotic"),
                                ],
                                max_length=20,
                                null=True,
                            ),
                        ),
                        ("primary_days", models.IntegerField()),
                        ("primary_event", models.BooleanField()),
                        ("assisted_primary_days", models.IntegerField()),
                        ("assisted_primary_event", models.BooleanField()),
                        ("secondary_days", models.IntegerField()),
                        ("secondary_event", models.BooleanField()),
                        (
                            "pts",
                            models.CharField(
                                blank=True,
                                help_text="Villalta category at the latest assessment 3 months or more after time zero.",
                                max_length=10,
                                null=True,
                            ),
                        ),
                        (
                            "vka",
                            models.BooleanField(default=False, help_text="Discharged on a VKA."),
                        ),
                        (
                            "ttr",
                            models.FloatField(
                                blank=True, help_text="Rosendaal TTR, a percentage.", null=True
                            ),
                        ),
                        ("reduced_at", models.DateTimeField(editable=False)),
                    ],
                    options={
                        "indexes": [
                            models.Index(fields=["time_zero"], name="outcome_time_zero"),
                            models.Index(fields=["reduced_at"], name="outcome_reduced_at"),
                        ],
                    },
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="""
                        UPDATE django_content_type SET app_label = 'outcomes'
                        WHERE app_label = 'tasks' AND model = 'episodeoutcome'
                          AND NOT EXISTS (SELECT 1 FROM django_content_type
                                          WHERE app_label = 'outcomes' AND model = 'episodeoutcome')
                    """,
                    reverse_sql="""
                        UPDATE django_content_type SET app_label = 'tasks'
                        WHERE app_label = 'outcomes' AND model = 'episodeoutcome'
                          AND NOT EXISTS (SELECT 1 FROM django_content_type
                                          WHERE app_label = 'tasks' AND model = 'episodeoutcome')
                    """,
                ),
            ],
        ),
    ]
