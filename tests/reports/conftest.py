# The chronology reads concerns, referrals and conferences: reuse their apps' fixtures.
from tests.incidents.conftest import make_concern  # noqa: F401
from tests.referrals.conftest import conference_a, make_referral, referral_a, scheme  # noqa: F401
