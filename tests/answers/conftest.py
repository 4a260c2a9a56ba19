"""The small school of tests/services and the command-line fixture of tests/screening (for
``campaign import`` of answer files)."""

from tests.screening.test_campaign_cli import cli  # noqa: F401
from tests.services.conftest import small_school  # noqa: F401
