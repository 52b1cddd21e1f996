"""GET /api/dashboard/outcomes/: the figures of pathway.md section 5 (admins only)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core import roles
from core.api import Endpoint, role_needed
from outcomes.maths import FORMS, HORIZONS
from outcomes.selectors import outcomes_get
from pathway.codes import UnderlyingLesion
from pathway.villalta import PTS_CATEGORIES


class OutcomesQueryIn(serializers.Serializer):
    # The contract writes these filters as `?procedure_from=&procedure_to=&lesion=`: an empty
    # one is one left out, as the page's filter form sends it (core/query.py).
    empty_means_absent = True

    procedure_from = serializers.DateField(
        required=False, help_text="Index procedure on or after this date."
    )
    procedure_to = serializers.DateField(
        required=False, help_text="Index procedure on or before this date."
    )
    lesion = serializers.ChoiceField(
        choices=UnderlyingLesion.choices,
        required=False,
        help_text="Underlying lesion recorded with the index procedure.",
    )

    def validate(self, data):
        start, end = data.get("procedure_from"), data.get("procedure_to")
        if start and end and start > end:
            raise serializers.ValidationError({"procedure_to": ["Before procedure_from."]})
        return data


class KmPointOut(serializers.Serializer):
    estimate = serializers.FloatField(
        allow_null=True, help_text="Kaplan-Meier estimate, a fraction; null beyond follow-up."
    )
    ci_low = serializers.FloatField(allow_null=True, help_text="95% CI, log-log.")
    ci_high = serializers.FloatField(allow_null=True, help_text="95% CI, log-log.")
    at_risk = serializers.IntegerField(help_text="Episodes still followed after this time.")
    events = serializers.IntegerField(help_text="Events so far.")
    censored = serializers.IntegerField(help_text="Censored so far.")


class PatencyFormOut(serializers.Serializer):
    """At 6, 12 and 24 months (182, 365, 730 days)."""

    def get_fields(self):
        return {label: KmPointOut() for label in HORIZONS}


class PatencyOut(serializers.Serializer):
    def get_fields(self):
        return {form: PatencyFormOut() for form in FORMS}


class PtsOut(serializers.Serializer):
    def get_fields(self):
        return {category: serializers.IntegerField() for category in PTS_CATEGORIES}


class ComplicationRatesOut(serializers.Serializer):
    early = serializers.DictField(
        child=serializers.FloatField(), help_text="Episodes per 100 with a procedure, by kind."
    )
    late = serializers.DictField(
        child=serializers.FloatField(), help_text="Episodes per 100 with a procedure, by kind."
    )


class TtrBandOut(serializers.Serializer):
    from_pct = serializers.IntegerField(help_text="TTR from this percentage (included).")
    to_pct = serializers.IntegerField(help_text="Up to this one (excluded; 100 included).")
    patients = serializers.IntegerField()


class AnticoagulationOutcomesOut(serializers.Serializer):
    patients = serializers.IntegerField(help_text="VKA patients with a TTR.")
    median_ttr = serializers.FloatField(allow_null=True, help_text="Percentage (Rosendaal).")
    share_ttr_65 = serializers.FloatField(
        allow_null=True, help_text="Fraction of them with TTR >= 65%."
    )
    distribution = TtrBandOut(
        many=True, help_text="VKA patients by TTR, in 10% bands (each one's TTR: the episode view)."
    )


class StageTimeOut(serializers.Serializer):
    median_days = serializers.FloatField()
    p90_days = serializers.FloatField()
    stays = serializers.IntegerField()


class OutcomesOut(serializers.Serializer):
    episodes = serializers.IntegerField(help_text="Episodes with an index procedure.")
    patency = PatencyOut()
    pts = PtsOut(help_text="Episodes by Villalta category at the latest assessment >= 3 months.")
    complications = ComplicationRatesOut()
    anticoagulation = AnticoagulationOutcomesOut()
    time_in_stage = serializers.DictField(child=StageTimeOut())


class OutcomesApi(Endpoint):
    permission_classes = role_needed(roles.VIEW_DASHBOARD, "see the outcomes")  # before any 400
    query = (OutcomesQueryIn,)

    @extend_schema(responses=OutcomesOut)
    def get(self, request):
        params = {k: v for k, v in request.query_params.items() if v != ""}
        query = OutcomesQueryIn(data=params)
        query.is_valid(raise_exception=True)
        figures = outcomes_get(actor=request.user, **query.validated_data)
        return Response(OutcomesOut(figures).data)
