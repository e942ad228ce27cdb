"""The API's endpoints: the same `visible_to` querysets and gates as the pages, nothing more.

Each view fetches through a model's `visible_to` or its gate in `<app>/access.py` (out of
scope: 404), logs every record it returns, and answers with an ETag so a client that sends
it back as If-None-Match gets 304.
"""

import base64
import binascii
import hashlib
import json

from django.db.models import Exists, OuterRef
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, pagination, permissions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from agreements.models import Partnership
from encompass import access as encompass_access
from encompass import services as encompass_services
from encompass.models import Notification as EncompassNotification
from incidents.access import can_read_incident, get_incident_for
from incidents.models import Incident
from incidents.services import incident_exports
from referrals.access import get_referral_for
from referrals.models import Referral

from . import serializers
from .audit import fetch_logged, log_api_read, log_api_reads
from .authentication import ClientPrincipal
from .models import Scope
from .throttling import ClientRateThrottle

PROBLEM = "application/problem+json"


def _problems(*codes) -> dict:
    return {(code, PROBLEM): serializers.Problem for code in codes}


REFUSALS = _problems(401, 403, 404, 429)


class HasScope(permissions.BasePermission):
    """A machine client calls only what its registration names; people what pages allow."""

    message = "This client is not registered for this scope."

    def has_permission(self, request, view):
        user = request.user
        if isinstance(user, ClientPrincipal):
            return view.scope_needed in user.client.scopes
        return user.is_authenticated and getattr(user, "role", None) is not None


class Cursor(pagination.CursorPagination):
    """Positions, not OFFSET: a page costs the same at row 100 and at row 100,000."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class ApiView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, HasScope]
    throttle_classes = [ClientRateThrottle]
    scope_needed = ""

    def respond(self, data, status_code=status.HTTP_200_OK) -> Response:
        body = json.dumps(data, sort_keys=True, default=str).encode()
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        asked = self.request.headers.get("If-None-Match", "")
        if etag in [tag.strip() for tag in asked.split(",")]:
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = Response(data, status=status_code)
        response["ETag"] = etag
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)  # children's data: no cache may keep a copy
        return response


# --- Incidents ---------------------------------------------------------------------------


def _exports(pks) -> list[dict]:
    """The export documents of incidents the caller has already fetched through visible_to
    or a gate, in the order of `pks`, built in bulk (three queries). Scoping them again
    would only work the caller's visible schools out a second time: a machine client has
    no request scope to keep them in."""
    exports = incident_exports(Incident.objects.filter(pk__in=pks))
    return [exports[pk] for pk in pks if pk in exports]


def _log_incidents(request, exports) -> None:
    """Every incident returned and every child named in it: the documents as sent."""
    log_api_reads(
        request,
        [("incident", e["incident_id"]) for e in exports]
        + [("pupil", p["person_id"]) for e in exports for p in e["persons"]],
    )


class IncidentCursor(Cursor):
    ordering = ("-recorded_at", "-pk")


class IncidentList(ApiView):
    """Recordable incidents of the caller's schools, newest first."""

    scope_needed = Scope.INCIDENTS_READ
    pagination_class = IncidentCursor
    serializer_class = serializers.IncidentV1

    def get_queryset(self):
        return Incident.objects.visible_to(self.request.user)

    @extend_schema(
        operation_id="incidents_list",
        responses={200: serializers.IncidentV1(many=True), **REFUSALS},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset().only("pk", "recorded_at"))
        exports = _exports([i.pk for i in page])
        _log_incidents(request, exports)
        response = self.get_paginated_response(self.get_serializer(exports, many=True).data)
        return self.respond(response.data)


class IncidentDetail(ApiView):
    scope_needed = Scope.INCIDENTS_READ
    serializer_class = serializers.IncidentV1

    @extend_schema(
        operation_id="incident_read", responses={200: serializers.IncidentV1, **REFUSALS}
    )
    def get(self, request, code):
        user = request.user
        incident = fetch_logged(
            request,
            lambda: get_incident_for(user, code, require=can_read_incident),
            object_type="incident",
            code=code,
        )
        (export,) = _exports([incident.pk])
        log_api_read(
            request, object_type="pupil", codes=[p["person_id"] for p in export["persons"]]
        )
        return self.respond(self.get_serializer(export).data)


CHANGES_PAGE = 100


def _cursor_out(position: int) -> str:
    return base64.urlsafe_b64encode(f"h{position}".encode()).decode().rstrip("=")


def _cursor_in(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        if text[:1] == "h" and text[1:].isdigit() and len(text) < 20:
            return int(text[1:])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise exceptions.ValidationError({"cursor": ["Send back a next_cursor this API gave you."]})


class IncidentChanges(ApiView):
    """Incidents changed since a cursor, oldest change first: what the force's system pulls.

    A change is a row of the incident's history, so nothing changed is ever missed; an
    incident changed twice in a page comes once, as it is now. Store `next_cursor` and send
    it back; `more` says whether to ask again at once.
    """

    scope_needed = Scope.INCIDENTS_READ
    serializer_class = serializers.IncidentChanges

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "cursor", str, required=False, description="The next_cursor of the last page."
            )
        ],
        operation_id="incident_changes",
        responses={200: serializers.IncidentChanges, **_problems(400), **REFUSALS},
    )
    def get(self, request):
        after = _cursor_in(request.query_params.get("cursor", ""))
        user = request.user
        rows = list(
            Incident.history.filter(
                history_id__gt=after, id__in=Incident.objects.visible_to(user).values("pk")
            )
            .order_by("history_id")
            .values_list("history_id", "id")[: CHANGES_PAGE + 1]
        )
        more = len(rows) > CHANGES_PAGE
        rows = rows[:CHANGES_PAGE]
        exports = _exports(list(dict.fromkeys(pk for _, pk in rows)))
        _log_incidents(request, exports)
        data = {
            "next_cursor": _cursor_out(rows[-1][0] if rows else after),
            "more": more,
            "results": serializers.IncidentV1(exports, many=True).data,
        }
        return self.respond(data)


# --- Referrals ---------------------------------------------------------------------------


def _referrals(user):
    return Referral.objects.visible_to(user).select_related("school", "pupil", "scheme", "concern")


def _log_referrals(request, referrals) -> None:
    log_api_read(request, object_type="referral", codes=[r.code for r in referrals])
    log_api_read(request, object_type="pupil", codes=[r.pupil.code for r in referrals])


class ReferralCursor(Cursor):
    ordering = ("-made_at", "-pk")


class ReferralList(ApiView):
    """Referrals of the caller's schools and how they ended; school leads see a summary."""

    scope_needed = Scope.REFERRALS_READ
    pagination_class = ReferralCursor
    serializer_class = serializers.Referral

    def get_queryset(self):
        return _referrals(self.request.user)

    @extend_schema(
        operation_id="referrals_list", responses={200: serializers.Referral(many=True), **REFUSALS}
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        _log_referrals(request, page)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        return self.respond(response.data)


class ReferralDetail(ApiView):
    scope_needed = Scope.REFERRALS_READ
    serializer_class = serializers.Referral

    @extend_schema(operation_id="referral_read", responses={200: serializers.Referral, **REFUSALS})
    def get(self, request, code):
        referral = fetch_logged(
            request,
            lambda: get_referral_for(request.user, code),
            object_type="referral",
            code=code,
        )
        log_api_read(request, object_type="pupil", codes=[referral.pupil.code])
        return self.respond(self.get_serializer(referral).data)


# --- Partnerships ------------------------------------------------------------------------


class PartnershipCursor(Cursor):
    ordering = ("code",)


class PartnershipList(ApiView):
    """Schools and their partnerships, with whether the DSA is in force (no case data)."""

    scope_needed = Scope.PARTNERSHIPS_READ
    pagination_class = PartnershipCursor
    serializer_class = serializers.Partnership

    def get_queryset(self):
        in_force = Partnership.objects.in_force().filter(pk=OuterRef("pk"))
        return (
            Partnership.objects.visible_to(self.request.user)
            .select_related("school")
            .annotate(dsa_in_force=Exists(in_force))
        )

    @extend_schema(
        operation_id="partnerships_list",
        responses={200: serializers.Partnership(many=True), **REFUSALS},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        return self.respond(response.data)


# --- Operation Encompass -----------------------------------------------------------------

ENCOMPASS_MAX_BODY = 64 * 1024


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The body is larger than 64 KiB."


class EncompassCursor(Cursor):
    ordering = ("-received_at", "-pk")


class EncompassNotifications(ApiView):
    """Operation Encompass notifications: the force's hub sends them (POST, with an
    Idempotency-Key so a retry never makes a second) and reads their receipts (GET)."""

    pagination_class = EncompassCursor
    serializer_class = serializers.EncompassReceipt

    @property
    def scope_needed(self):
        return Scope.ENCOMPASS_WRITE if self.request.method == "POST" else Scope.ENCOMPASS_READ

    def get_queryset(self):
        user = self.request.user
        if isinstance(user, ClientPrincipal):
            notifications = encompass_access.receipts_of_client(user.client.code)
        else:
            notifications = EncompassNotification.objects.visible_to(user)
        return notifications.select_related("school", "acknowledged_by")

    @extend_schema(
        operation_id="encompass_notifications_list",
        responses={200: serializers.EncompassReceipt(many=True), **REFUSALS},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        log_api_read(request, object_type="encompass_notification", codes=[n.code for n in page])
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        return self.respond(response.data)

    @extend_schema(
        operation_id="encompass_notification_send",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description="Any unique string of up to 200 characters: a retry with the "
                "same key returns the first notification and saves nothing.",
            )
        ],
        request=serializers.EncompassNotificationIn,
        responses={
            200: serializers.EncompassReceipt,
            201: serializers.EncompassReceipt,
            **_problems(400, 413),
            **REFUSALS,
        },
    )
    def post(self, request):
        if int(request.META.get("CONTENT_LENGTH") or 0) > ENCOMPASS_MAX_BODY:
            raise TooLarge
        key = request.headers.get("Idempotency-Key", "")
        if len(key) > 200:
            raise exceptions.ValidationError({"Idempotency-Key": ["At most 200 characters."]})
        user = request.user
        client = user.client if isinstance(user, ClientPrincipal) else None
        incoming = serializers.EncompassNotificationIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        details = dict(incoming.validated_data)
        urn = details.pop("school_urn")
        if client is not None:
            schools = encompass_access.schools_sendable_by_force(client.force_id)
        else:
            schools = encompass_access.schools_sendable_by(user)
        school = schools.filter(urn=urn).first()
        if school is None:
            raise exceptions.ValidationError(
                {"school_urn": ["Not a school you may send Operation Encompass notices for."]}
            )
        notification, created = encompass_services.receive(
            school=school,
            details=details,
            sender=None if client else user,
            client_code=client.code if client else None,
            client_force=client.force_id if client else None,
            idempotency_key=key if client else "",
        )
        log_api_read(request, object_type="encompass_notification", codes=[notification.code])
        return Response(
            serializers.EncompassReceipt(notification).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
