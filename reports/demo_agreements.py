"""The demo's protocol and data sharing agreement, published and signed through the services.

Used by `seed_demo` and the benchmarks, so both run on agreements made the real way.
"""

import datetime

from django.utils import timezone

from agreements.models import Document, Partnership, Signature
from agreements.services import document_version_publish, signature_create

PROTOCOL = {
    "title": "Safer Schools Partnership protocol",
    "purpose": (
        "To keep pupils safe in and around school, to reduce crime and anti-social behaviour "
        "affecting young people, and to divert them from the criminal justice system."
    ),
    "lawful_bases": (
        "Education Act 2002 s.175 (safeguarding duties of schools); Children Act 2004 s.11; "
        "the common-law policing purposes."
    ),
    "what_may_be_shared": (
        "Safeguarding concerns the school's SPOC decides to share with the SSPO, and summaries "
        "of police action sent back to the school."
    ),
    "summary": (
        "Our school works with a Safer Schools Police Officer. If you are worried about a "
        "pupil's safety, log a concern in the portal: the SPOC decides what happens next and "
        "is the only person who talks to the officer about it. Never contact the officer "
        "directly about a pupil, and never copy or forward images."
    ),
    "body": (
        "1. The school names a senior leader as its single point of contact (SPOC).\n"
        "2. The force assigns a Safer Schools Police Officer to at most two schools.\n"
        "3. All enquiries between school and police go through the SPOC.\n"
        "4. The partnership is reviewed every term by the Safer Schools sergeant."
    ),
}

DSA = {
    "title": "Data sharing agreement: Safer Schools Partnership",
    "purpose": "Safeguarding children and preventing crime affecting pupils.",
    "lawful_bases": (
        "UK GDPR Art. 6(1)(e) public task; Art. 9(2)(g) substantial public interest "
        "(DPA 2018 Sch. 1 para 18, safeguarding of children); DPA 2018 Part 3 for law "
        "enforcement processing."
    ),
    "what_may_be_shared": (
        "The concern as logged (narrative, category, pupils involved and their roles) once the "
        "SPOC shares it; answers to the SSPO's enquiries; summaries of police action."
    ),
    "summary": "What the school and the force may share, why, and how it is kept safe.",
    "body": (
        "1. Only the SPOC, deputy or head teacher shares, and only through the portal.\n"
        "2. Every disclosure is recorded in the information-sharing log.\n"
        "3. Either side may revoke this agreement; sharing stops at once.\n"
        "4. Records are kept for the periods in the force's and school's retention schedules."
    ),
}


def publish_demo_documents(force, *, by, today=None) -> tuple[Document, Document]:
    """The force's current protocol and DSA, published once (v1) if it has none."""
    today = today or timezone.localdate()
    published = []
    for kind, text in ((Document.Kind.PROTOCOL, PROTOCOL), (Document.Kind.DSA, DSA)):
        current = Document.objects.current_of(force, kind).first()
        if current is None:
            draft = Document.objects.create(
                force=force,
                kind=kind,
                version=1,
                review_on=today + datetime.timedelta(days=300),
                expires_on=today + datetime.timedelta(days=365 * 3),
                created_by=by,
                **text,
            )
            current = document_version_publish(document=draft, by=by)
        published.append(current)
    return published[0], published[1]


def sign_both_sides(partnership: Partnership, documents, *, head, sergeant) -> None:
    """Head and sergeant sign each document (the demo skips the signing page's MFA step)."""
    for document in documents:
        for side, by, capacity in (
            (Signature.Side.SCHOOL, head, "Head teacher"),
            (Signature.Side.FORCE, sergeant, "Police Sergeant, Safer Schools Team"),
        ):
            if not Signature.objects.filter(
                partnership=partnership, document=document, side=side, revoked_at__isnull=True
            ).exists():
                signature_create(
                    partnership=partnership,
                    document=document,
                    side=side,
                    by=by,
                    signed_as=capacity,
                )
