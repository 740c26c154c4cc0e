"""How minigrad uses the cores: one rule for Numba's threads and BLAS's threads.

The rule: **one pool of n threads works at a time, and nothing waits on a thread it does not
need.** ``n`` is ``get_num_threads()`` -- the cores this process may run on, or the
``NUMBA_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` the environment sets, or what
``set_num_threads`` chose -- and it caps both libraries:

* one large matrix product (a Linear layer, the GEMMs over all of a sequence's steps) is
  BLAS's: it runs on n threads; a recurrent time loop's per-step products run on one
  (``kernels._recurrent.step_products``), and the loop itself runs on batch slices through
  ``split`` (``kernels._recurrent.batch_slices``);
* many small products (a convolution's per-sample, cache-sized products) are ``split``: the
  batch is cut into n slices, each slice runs in a thread of its own with BLAS held at one
  thread, so that no small product waits for a BLAS helper thread a busy machine has
  descheduled (on a shared 2-core machine that wait made LeNet's convolution 6x slower);
* a Numba ``parallel=True`` kernel with little work runs on one thread
  (``minigrad.kernels.run_cpu``): waking Numba's pool costs more than the split saves.

BLAS threads are set through threadpoolctl; without it, BLAS keeps the environment's setting
and ``split`` runs its slices one after another on the calling thread (never n x n threads).
"""
from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba

SPLIT_MIN_FLOPS = 4e6     # below this the hand-off to the worker threads costs more than it saves


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _env_threads():
    for name in ("NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        v = os.environ.get(name, "")
        if v.isdigit() and int(v) > 0:
            return int(v)
    return None


_num_threads = None       # None until first asked: the environment's or the cores' count
_blas = None              # threadpoolctl's controllers of the loaded BLAS libraries, or ()
_lock = threading.Lock()
_single_depth = 0
_saved_blas = ()          # the BLAS thread counts to restore when the last single-thread block ends
_pool = None


def _blas_libs():
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController  # noqa: PLC0415 - optional package
            _blas = tuple(ThreadpoolController().select(user_api="blas").lib_controllers)
        except ImportError:
            _blas = ()
    return _blas


def get_num_threads():
    """The number of threads minigrad's kernels and BLAS use (PyTorch's ``get_num_threads``)."""
    global _num_threads
    if _num_threads is None:
        _num_threads = _env_threads() or _cores()
    return _num_threads


def set_num_threads(n):
    """Use ``n`` threads for Numba's parallel kernels, BLAS and ``split`` (PyTorch's
    ``set_num_threads``). Numba cannot go above the ``NUMBA_NUM_THREADS`` it started with."""
    global _num_threads, _pool, _saved_blas
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    if n >= 2 ** 31:                   # BLAS takes a C int
        raise ValueError(f"set_num_threads: expected a positive int below 2**31, got {n!r}")
    with _lock:
        _num_threads = n
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
        if _single_depth == 0:
            for lib in _blas_libs():
                lib.set_num_threads(n)
        else:
            _saved_blas = (n,) * len(_blas_libs())
        if _pool is not None:
            _pool.shutdown(wait=False)
            _pool = None


def blas_threads_settable():
    """Whether ``blas_single_thread`` can set BLAS's threads (threadpoolctl found the BLAS
    libraries); without it, BLAS keeps the environment's setting."""
    return bool(_blas_libs())


@contextlib.contextmanager
def blas_single_thread():
    """BLAS on one thread inside the block (nested and concurrent blocks share one setting;
    the last to leave restores the count the first found)."""
    global _single_depth, _saved_blas
    with _lock:
        if _single_depth == 0:
            _saved_blas = tuple(lib.get_num_threads() for lib in _blas_libs())
            for lib in _blas_libs():
                lib.set_num_threads(1)
        _single_depth += 1
    try:
        yield
    finally:
        with _lock:
            _single_depth -= 1
            if _single_depth == 0:
                for lib, n in zip(_blas_libs(), _saved_blas):
                    lib.set_num_threads(n)


def _workers(n):
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="minigrad")
        return _pool


def split(count, fn, flops):
    """Call ``fn(lo, hi)`` on slices of ``range(count)`` -- one slice per thread, each with
    BLAS on one thread -- and return the results in slice order. ``flops`` (the whole job's)
    decides: below ``SPLIT_MIN_FLOPS``, or with one thread, or without threadpoolctl, a single
    call ``fn(0, count)`` on the calling thread (BLAS keeps its threads)."""
    n = min(get_num_threads(), count)
    if n <= 1 or flops < SPLIT_MIN_FLOPS or not _blas_libs() \
            or threading.current_thread().name.startswith("minigrad"):
        return [fn(0, count)]
    bounds = [(count * k // n, count * (k + 1) // n) for k in range(n)]
    with blas_single_thread():
        pool = _workers(n)
        futures = [pool.submit(fn, lo, hi) for lo, hi in bounds[1:]]
        first = fn(*bounds[0])                  # the calling thread takes a slice too
        return [first] + [f.result() for f in futures]
