import pytest


@pytest.fixture
def media(settings, tmp_path):
    """Uploads go to a folder of this test's own, so it can see what is left behind."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
