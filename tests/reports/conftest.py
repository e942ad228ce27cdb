# The concern fixtures live with the incidents tests; the chronology reads concerns too.
from tests.incidents.conftest import make_concern  # noqa: F401
