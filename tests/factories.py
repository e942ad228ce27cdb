import datetime

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from stdnum.gb import upn as stdnum_upn

from agreements.models import Partnership
from schools.models import Force, Membership, Officer, Pupil, School, Team
from ssp.models import User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
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

    school = factory.SubFactory(SchoolFactory)
    force = factory.SelfAttribute("school.force")
    status = Partnership.Status.ACTIVE
    dsa_in_force_until = factory.LazyFunction(
        lambda: datetime.date.today() + datetime.timedelta(days=365)
    )


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
    upn = factory.Sequence(
        lambda n: (
            stdnum_upn.calc_check_digit(f"873400024{n % 1000:03d}") + f"873400024{n % 1000:03d}"
        )
    )
