"""The API's documents. Never a UPN, for anyone: the force's systems key on person_id.

The incident document is the export's own `ssp-portal/incident/v1` (incidents.services.
incident_exports, which builds a page of them in bulk); the serializer below only describes
it for the OpenAPI schema.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.services import incident_export
from referrals.access import can_read_full_referral


class CodeLabel(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class IncidentLocation(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    school_name = serializers.CharField()
    school_urn = serializers.CharField()


class IncidentFacts(serializers.Serializer):
    item_kind = serializers.CharField(allow_null=True)
    item_seized = serializers.BooleanField(allow_null=True)
    item_handed_to = serializers.CharField(allow_null=True)
    drugs_description = serializers.CharField(allow_null=True)
    drugs_quantity = serializers.CharField(allow_null=True)
    injury_nature = serializers.CharField(allow_null=True)
    device_status = serializers.CharField(allow_null=True)
    device_reference = serializers.CharField(allow_null=True)


class IncidentPerson(serializers.Serializer):
    person_id = serializers.UUIDField()
    role = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    year_group = serializers.IntegerField()


class IncidentRecordedBy(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    collar_number = serializers.CharField(allow_blank=True)


class IncidentV1(serializers.Serializer):
    """A recordable incident as the force's records system maps it (ssp-portal/incident/v1)."""

    schema = serializers.ChoiceField(choices=["ssp-portal/incident/v1"])
    incident_id = serializers.UUIDField()
    portal_reference = serializers.CharField()
    police_reference = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    category = CodeLabel()
    recordable = serializers.BooleanField()
    occurred_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    location = IncidentLocation()
    narrative = serializers.CharField(allow_blank=True)
    facts = IncidentFacts()
    persons = IncidentPerson(many=True)
    outcome = serializers.CharField(allow_null=True)
    recorded_by = IncidentRecordedBy()
    source_concern_id = serializers.UUIDField(allow_null=True)

    def to_representation(self, instance):
        # The views hand over exports already built in bulk (incident_exports).
        return instance if isinstance(instance, dict) else incident_export(instance)


class IncidentChanges(serializers.Serializer):
    next_cursor = serializers.CharField(
        help_text="Keep it and send it as `cursor` next time: the changes after this page."
    )
    more = serializers.BooleanField(help_text="True when more changes wait after this page.")
    results = IncidentV1(many=True)


class SchoolRef(serializers.Serializer):
    school_id = serializers.UUIDField(source="code")
    urn = serializers.CharField()
    name = serializers.CharField()


class PupilRef(serializers.Serializer):
    person_id = serializers.UUIDField(source="code")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    year_group = serializers.IntegerField()


class ReferralDetail(serializers.Serializer):
    """What only the police see of a referral (school leads see its summary)."""

    purpose = serializers.CharField()
    reason = serializers.CharField()
    scheme_provider = serializers.CharField(source="scheme.provider")
    young_person_consent = serializers.CharField()
    parent_consent = serializers.CharField()
    follow_up_on = serializers.DateField(allow_null=True)
    outcome = serializers.CharField(allow_null=True, source="outcome_or_none")
    source_concern_id = serializers.UUIDField(allow_null=True, source="concern.code")


class Referral(serializers.Serializer):
    referral_id = serializers.UUIDField(source="code")
    reference = serializers.CharField()
    status = serializers.CharField()
    scheme = serializers.CharField(source="scheme.name")
    made_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    school = SchoolRef()
    pupil = PupilRef()
    detail = serializers.SerializerMethodField()

    @extend_schema_field(ReferralDetail(allow_null=True))
    def get_detail(self, referral):
        if not can_read_full_referral(self.context["request"].user, referral):
            return None
        referral.outcome_or_none = referral.outcome or None
        return ReferralDetail(referral).data


class Partnership(serializers.Serializer):
    partnership_id = serializers.UUIDField(source="code")
    status = serializers.CharField()
    school = SchoolRef()
    dsa_in_force = serializers.BooleanField(
        help_text="True while the data sharing agreement is in force: sharing is allowed."
    )


class Problem(serializers.Serializer):
    """An error, as RFC 9457 has it."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(required=False, help_text="What is wrong, field by field.")


# --- Operation Encompass -----------------------------------------------------------------


class EncompassNotificationIn(serializers.Serializer):
    """What the force's Encompass hub sends. Unknown fields are refused, not ignored."""

    school_urn = serializers.RegexField(r"^\d{6}$", help_text="The school's URN (6 digits).")
    child_first_name = serializers.CharField(max_length=100)
    child_last_name = serializers.CharField(max_length=100)
    child_date_of_birth = serializers.DateField()
    police_reference = serializers.CharField(max_length=50)
    incident_at = serializers.DateTimeField()
    incident_location = serializers.CharField(max_length=300)
    child_presence = serializers.ChoiceField(choices=["present", "not_present", "unknown"])
    child_whereabouts = serializers.CharField(max_length=300, required=False, allow_blank=True)
    voice_of_child = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    circumstances = serializers.CharField(max_length=10000)
    other_information = serializers.CharField(max_length=10000, required=False, allow_blank=True)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send one JSON object."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    def validate_child_date_of_birth(self, value):
        from django.utils import timezone

        if value > timezone.localdate():
            raise serializers.ValidationError("A date of birth cannot be in the future.")
        return value

    def validate_incident_at(self, value):
        from django.utils import timezone

        if value > timezone.now():
            raise serializers.ValidationError("The incident cannot be in the future.")
        return value


class EncompassReceipt(serializers.Serializer):
    """What the police see of a notification once sent: the receipt, never the plan."""

    code = serializers.UUIDField()
    police_reference = serializers.CharField()
    school_urn = serializers.CharField(source="school.urn")
    received_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    acknowledged = serializers.BooleanField(source="is_acknowledged")
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.SerializerMethodField()
    escalated = serializers.SerializerMethodField()

    def get_acknowledged_by(self, obj) -> str | None:
        user = obj.acknowledged_by
        return user.get_full_name() if user is not None else None

    def get_escalated(self, obj) -> bool:
        return obj.escalated_at is not None
