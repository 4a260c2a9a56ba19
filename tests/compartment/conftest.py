from tests.screening.conftest import counselor  # noqa: F401  (the counselor of that school, logged in)
from tests.services.conftest import small_school  # noqa: F401  (the same six-student school)
