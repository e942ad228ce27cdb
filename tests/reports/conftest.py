# The caseload and chronology read every app's records: reuse those apps' fixtures.
from tests.incidents.conftest import (  # noqa: F401
    concern_a,
    make_concern,
    make_incident,
    shared_concern_a,
)
from tests.referrals.conftest import conference_a, make_referral, referral_a, scheme  # noqa: F401
