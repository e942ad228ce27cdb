import datetime
import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from stdnum.gb import upn as stdnum_upn

from agreements.models import Document, Partnership
from agreements.services import agreement_revoke
from reports.demo_agreements import publish_demo_documents, sign_both_sides
from schools.models import Force, Membership, Officer, Pupil, School, Team
from ssp.models import User

PASSWORD = "correct horse battery staple"


def totp_now(secret: str) -> str:
    """The authenticator's code for this secret right now. When it changes in under two
    seconds, maybe before the portal checks it (no tolerance: MFA_TOTP_TOLERANCE = 0), the
    next one is waited for, rather than failing by chance."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from django.utils import timezone

    now = timezone.now().timestamp()
    if 30 - now % 30 < 2:
        time.sleep(30 - now % 30 + 0.05)
        now = timezone.now().timestamp()
    return format_hotp_value(hotp_value(secret, int(now) // 30))


def totp_code(user_id) -> str:
    """The authenticator's code right now for this person, read from their stored secret."""
    from allauth.mfa.models import Authenticator

    from ssp.adapters import MFAAdapter

    stored = Authenticator.objects.get(user_id=user_id, type="totp").data["secret"]
    return totp_now(MFAAdapter().decrypt(stored))


def step_up(client):
    """Re-authenticate the signed-in person with their authenticator code, as exports ask."""
    from django.urls import reverse

    code = totp_code(client.session["_auth_user_id"])
    response = client.post(reverse("mfa_reauthenticate"), {"code": code})
    assert response.status_code == 302, response.content.decode()[-2000:]
    return response


STAFF_FIRST_NAMES = (
    "Morwenna",
    "Tamsin",
    "Peregrine",
    "Ottilie",
    "Caspian",
    "Ferelith",
    "Lorcan",
    "Wilhelmina",
    "Barnaby",
    "Clementine",
    "Evander",
    "Isolde",
)
STAFF_LAST_NAMES = (
    "Fairweather",
    "Greenhalgh",
    "Thistlewood",
    "Underhill",
    "Pemberton",
    "Ravenscroft",
    "Lytchett",
    "Blackwood",
    "Hollingsworth",
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    # Staff names come from their own lists, none of them a name Faker gives pupils or a
    # test writes by hand: a page's header names the person signed in, and a test that a
    # pupil's name is absent must not fail because a teacher shares it by chance.
    first_name = factory.Iterator(STAFF_FIRST_NAMES)
    last_name = factory.Iterator(STAFF_LAST_NAMES)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        """Every person has a TOTP authenticator unless made with mfa=False."""
        EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        if extracted is not False:
            self.totp_secret = generate_totp_secret()
            TOTP.activate(self, self.totp_secret)


class ForceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Force
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Force {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    force = factory.SubFactory(ForceFactory)
    name = factory.Sequence(lambda n: f"Safer Schools Team {n}")
    kind = Team.Kind.SAFER_SCHOOLS


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    collar_number = factory.Sequence(lambda n: str(5000 + n))
    rank = Officer.Rank.CONSTABLE


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    urn = factory.Sequence(lambda n: f"{140000 + n}")
    laestab = factory.Sequence(lambda n: f"873{4000 + n}")
    name = factory.Sequence(lambda n: f"School {n}")
    local_authority = "Northshire"
    force = factory.SubFactory(ForceFactory)
    meets_sspo_criteria = True


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    force = factory.SelfAttribute("school.force")
    status = Partnership.Status.ACTIVE

    @factory.post_generation
    def signed(partnership, create, extracted, **kwargs):
        """Active partnerships come with the force's current protocol and DSA signed by
        both sides (so in force), unless built with signed=False."""
        if not create or extracted is False or partnership.status != Partnership.Status.ACTIVE:
            return
        documents = published_documents(partnership.force)
        signer = UserFactory()
        sign_both_sides(partnership, documents, head=signer, sergeant=signer)


def published_documents(force):
    """The force's current protocol and DSA (v1, in force for three years) if it has none."""
    return publish_demo_documents(force, by=UserFactory())


def revoke_dsa(partnership, reason="Revoked by the school."):
    """Withdraw the signatures of the partnership's current DSA: sharing stops at once."""
    dsa = Document.objects.current_of(partnership.force_id, Document.Kind.DSA).get()
    agreement_revoke(partnership=partnership, document=dsa, by=UserFactory(), reason=reason)


class DocumentFactory(factory.django.DjangoModelFactory):
    """A draft version; publish it with agreements.services.document_publish."""

    class Meta:
        model = Document

    force = factory.SubFactory(ForceFactory)
    kind = Document.Kind.DSA
    version = factory.Sequence(lambda n: n + 2)
    title = "Data sharing agreement"
    purpose = "Safeguarding children."
    lawful_bases = "UK GDPR Art. 6(1)(e)."
    what_may_be_shared = "Concerns the SPOC shares."
    summary = "A summary."
    body = "The text."
    review_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=200))
    expires_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=365))
    created_by = factory.SubFactory("tests.factories.UserFactory")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    position = Membership.Position.STAFF


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = datetime.date(2012, 5, 1)
    year_group = 9
    # Unique among current pupils, as the portal requires: LA 873, then the sequence.
    upn = factory.Sequence(
        lambda n: (
            stdnum_upn.calc_check_digit(body := f"873{(n // 1000) % 10000:04d}24{n % 1000:03d}")
            + body
        )
    )
