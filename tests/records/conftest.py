from tests.incidents.conftest import concern_a, make_concern  # noqa: F401  (the fixtures, shared)
