from tests.incidents.conftest import make_concern, make_incident  # noqa: F401  (the fixtures, shared)
