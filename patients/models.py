from django.db import models


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

    class Meta:
        ordering = ["family_name", "given_name", "id"]

    def __str__(self) -> str:
        # Shown to staff in the admin only; never logged.
        return f"{self.mrn}"


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
