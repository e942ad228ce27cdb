from tests.incidents.conftest import make_concern  # noqa: F401  (the fixture, shared)
