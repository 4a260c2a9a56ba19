"""The ``xadesk`` command line: thin shells over core service functions (calibre's calibredb model)."""

import os

# numpy's BLAS starts a worker thread per core for every matrix product. The scoring products are
# small and a school PC has two cores, so the workers mostly wait on each other: on the 2-core bench
# machine one thread scored 100,000 SCL-90 answer sets in about 60% of the CPU time. Set before
# numpy is first imported (it reads the variable once); a value the user set is kept.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
