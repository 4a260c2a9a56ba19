from tests.services.conftest import small_school  # noqa: F401  (the same six-student school)
