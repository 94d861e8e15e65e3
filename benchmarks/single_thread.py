"""Import before numpy: one thread for every library in this benchmark process.

On a small shared machine the BLAS and PyTorch worker pools mostly wait on each
other, and the ratios get noisy; one thread each compares the libraries per core.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
