"""The anticoagulation courses API's bodies (api.md "Anticoagulation", pathway.md section 7):
CourseIn starts a course, CourseChangeIn changes or stops one, CourseOut is a course as read
back. They parse and render only: pathway.services.course_add and course_change decide what a
course may be (targets on a VKA only, a stop not before the start, no future dates)."""

from rest_framework import serializers

from core.bounds import bounds
from pathway.codes import CourseAgent, CourseClass, CourseDecision
from pathway.models import AnticoagulationCourse

AGENT_WORDS = (
    "The anticoagulant: a named product, or lmwh, vka or doac when the product is not named. "
    "Its class (parenteral, vka, doac) follows from it."
)
UNKNOWN_AGENT = f"Unknown agent. Known: {', '.join(CourseAgent.values)}."
TARGET_WORDS = "For a VKA only; a VKA without a range gets 2.0–3.0."


class StrictIn(serializers.Serializer):
    """A body naming a field the endpoint does not know is refused (400, each unknown field
    named), not ignored: a misspelt `stoped_on` would otherwise change nothing, silently."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, dict):
            known = ", ".join(self.fields)
            unknown = {
                str(name)[:60]: [f"Unknown field. Known: {known}."]
                for name in sorted(set(data) - set(self.fields), key=str)
            }
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return values


def _agent(**kwargs):
    return serializers.ChoiceField(
        choices=CourseAgent.choices,
        help_text=AGENT_WORDS,
        error_messages={"invalid_choice": UNKNOWN_AGENT},
        **kwargs,
    )


def _dose(**kwargs):
    return serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        **bounds(AnticoagulationCourse, "dose"),
        allow_null=True,
        help_text="How much each time, in dose_unit; 0 or more; null when not recorded.",
        **kwargs,
    )


def _dose_unit(**kwargs):
    return serializers.CharField(
        max_length=16, allow_blank=True, help_text="e.g. mg, IU, mg/kg, units/h.", **kwargs
    )


def _frequency(**kwargs):
    return serializers.CharField(
        max_length=40,
        allow_blank=True,
        help_text="e.g. once daily, twice daily, continuous.",
        **kwargs,
    )


def _target(bound: str, **kwargs):
    return serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        allow_null=True,
        help_text=f"The {bound} end of the target INR range. {TARGET_WORDS}",
        **kwargs,
    )


def _duration(**kwargs):
    return serializers.IntegerField(
        **bounds(AnticoagulationCourse, "planned_duration_months"),
        allow_null=True,
        help_text="How long the course is planned to run, 1 to 600 months; null: lifelong "
        "(or not decided).",
        **kwargs,
    )


class CourseIn(StrictIn):
    """Start a course; several may run together (bridging)."""

    agent = _agent()
    dose = _dose(required=False, default=None)
    dose_unit = _dose_unit(required=False, default="")
    frequency = _frequency(required=False, default="")
    started_on = serializers.DateField(help_text="The first day taken; not in the future.")
    stopped_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The last day taken, for a course already over; not before started_on, not "
        "in the future.",
    )
    target_inr_low = _target("low", required=False, default=None)
    target_inr_high = _target("high", required=False, default=None)
    planned_duration_months = _duration(required=False, default=None)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Why the course starts."
    )


class CourseChangeIn(StrictIn):
    """Change or stop a course: only the fields sent change, and a reason is always given (it
    is kept with the revision). A changed target range applies from its date on."""

    # Sent with PATCH but never parsed partially: every field but `reason` is optional by
    # itself, and `reason` is always required. drf-spectacular marks a PATCH body partial (all
    # optional, "Patched…"); ignoring that keeps `reason` required in the schema too.
    partial = property(lambda self: False, lambda self, value: None)

    agent = _agent(required=False)
    dose = _dose(required=False)
    dose_unit = _dose_unit(required=False)
    frequency = _frequency(required=False)
    started_on = serializers.DateField(
        required=False, help_text="The first day taken; not in the future."
    )
    stopped_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The last day taken: stops the course. Not before started_on, not in the "
        "future; null: running again.",
    )
    target_inr_low = _target("low", required=False)
    target_inr_high = _target("high", required=False)
    planned_duration_months = _duration(required=False)
    end_decision = serializers.ChoiceField(
        choices=CourseDecision.choices,
        required=False,
        allow_blank=True,
        help_text="What was decided about a finite course near its planned end (stop, "
        "continue, change); blank while undecided.",
    )
    reason = serializers.CharField(
        help_text="Why the course changes or stops; required, not blank.",
        error_messages={
            "required": "Say why the course changes or stops.",
            "blank": "Say why the course changes or stops.",
            "null": "Say why the course changes or stops.",
        },
    )


class CourseOut(serializers.ModelSerializer):
    """A course as kept, with `class` (parenteral, vka, doac) derived from the agent and
    `planned_end` from the start and the planned duration."""

    agent_name = serializers.CharField(
        source="get_agent_display", read_only=True, help_text="The agent in words."
    )
    planned_duration_months = serializers.IntegerField(
        allow_null=True,
        read_only=True,
        help_text="How long the course is planned to run; null: lifelong (or not decided).",
    )
    planned_end = serializers.DateField(
        allow_null=True,
        read_only=True,
        help_text="The day the course is planned to end: started_on plus the planned "
        "duration; null for a lifelong course.",
    )
    target_inr_low = serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        allow_null=True,
        read_only=True,
        help_text="The target INR range's low end; null unless a VKA.",
    )
    target_inr_high = serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        allow_null=True,
        read_only=True,
        help_text="The target INR range's high end; null unless a VKA.",
    )
    reason = serializers.CharField(
        read_only=True, help_text="Why it started, changed or stopped: the latest reason."
    )
    end_decision = serializers.ChoiceField(
        choices=CourseDecision.choices,
        allow_blank=True,
        read_only=True,
        help_text="What was decided near a finite course's planned end; blank while undecided.",
    )
    recorded_by = serializers.IntegerField(
        source="recorded_by_id", read_only=True, help_text="The user who last wrote the course."
    )
    recorded_at = serializers.DateTimeField(read_only=True, help_text="When it was last written.")

    class Meta:
        model = AnticoagulationCourse
        fields = [
            "id",
            "episode",
            "agent",
            "agent_name",
            "dose",
            "dose_unit",
            "frequency",
            "started_on",
            "stopped_on",
            "target_inr_low",
            "target_inr_high",
            "planned_duration_months",
            "planned_end",
            "end_decision",
            "reason",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_fields(self):
        """`class` is a Python keyword, so it is added here rather than declared."""
        fields = {}
        for name, field in super().get_fields().items():
            fields[name] = field
            if name == "agent_name":
                fields["class"] = serializers.ChoiceField(
                    choices=CourseClass.values,
                    source="agent_class",
                    read_only=True,
                    help_text="parenteral, vka or doac: derived from the agent.",
                )
        return fields
