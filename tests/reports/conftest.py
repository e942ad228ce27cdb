# The chronology reads every app's records: reuse those apps' fixtures.
from tests.incidents.conftest import make_concern, make_incident  # noqa: F401
from tests.referrals.conftest import conference_a, make_referral, referral_a, scheme  # noqa: F401
