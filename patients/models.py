from django.db import models

from core.text import fold


class Patient(models.Model):
    """Who the patient is, and nothing clinical: that belongs to an episode."""

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    mrn = models.CharField("MRN", max_length=32, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    sex = models.CharField(max_length=8, choices=Sex.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # The names as a search compares them (core.text.fold: no accents, lower case), derived on
    # every save like a generated column (SQLite has no unaccent), so "zoe" finds "Zoë" on every
    # database whichever path registered the patient (the services, the demo, the admin).
    given_folded = models.CharField(max_length=200, blank=True, default="", editable=False)
    family_folded = models.CharField(max_length=200, blank=True, default="", editable=False)

    class Meta:
        ordering = ["family_name", "given_name", "id"]

    def __str__(self) -> str:
        # Shown to staff in the admin only; never logged.
        return f"{self.mrn}"

    def save(self, *args, **kwargs):
        """Keeps the folded names with the names: derived text, not a rule (no bulk writer of
        patients exists; one would have to fold too)."""
        self.given_folded = fold(self.given_name)
        self.family_folded = fold(self.family_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"given_name", "family_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "given_folded", "family_folded"}
        super().save(*args, **kwargs)


class PatientAccess(models.Model):
    """Who read which patient's record, and through what (append-only): the unit's answer to
    "who has looked at my notes?". Lists and searches are not reads of one record."""

    user = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="accesses")
    episode_id = models.BigIntegerField(null=True, blank=True)
    what = models.CharField(max_length=40, help_text="The page or endpoint that was read.")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "at"], name="access_patient_at")]
        verbose_name_plural = "patient accesses"

    def __str__(self) -> str:
        return f"Access {self.pk}"  # ids only: never the patient's name
