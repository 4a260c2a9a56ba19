"""The small school of tests/services (for ``campaign import`` of answer files)."""

from tests.services.conftest import small_school  # noqa: F401
