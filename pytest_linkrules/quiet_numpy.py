"""numpy, imported without OpenBLAS's idle threads spinning for a tenth of a second.

numpy's wheels load OpenBLAS, which starts a thread per core at import; each
spins for 2**28 cycles (about 0.1 s) waiting for work before it sleeps.
linkrules does no BLAS work, and on a 2-core CI runner that spin is 0.1 s of
CPU taken from the crawl's workers on every run (``python -c "import numpy"``:
0.20 s of CPU against 0.11 s with a shorter spin, the same wall time).

So the first import of numpy in a ``--linkrules`` run (or by the ``linkrules``
command) asks for a spin of 2**24 cycles, a few milliseconds: still long
enough that BLAS calls made one after the other keep their threads awake.
OpenBLAS reads the setting once, when it is loaded; the environment is put
back at once, so nothing the run starts inherits it. A setting the user made
(OPENBLAS_THREAD_TIMEOUT, or GotoBLAS's GOTO_THREAD_TIMEOUT) is left alone,
and so is a numpy that something imported before.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType

SPIN = "24"  # OpenBLAS's thread timeout: 2**24 cycles; its default is 28
SETTINGS = ("OPENBLAS_THREAD_TIMEOUT", "GOTO_THREAD_TIMEOUT")


def import_numpy() -> ModuleType:
    """numpy; its first import with OpenBLAS's idle spin shortened (see the module's docstring)."""
    if "numpy" in sys.modules or any(name in os.environ for name in SETTINGS):
        import numpy

        return numpy
    os.environ[SETTINGS[0]] = SPIN
    try:
        import numpy
    finally:
        del os.environ[SETTINGS[0]]
    return numpy
