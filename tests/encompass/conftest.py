# The chronology and the home read concerns too: reuse the incidents fixtures.
from tests.incidents.conftest import make_concern  # noqa: F401
