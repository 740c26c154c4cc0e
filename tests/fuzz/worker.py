"""The probe process: ``python -m tests.fuzz.worker PROBES START FD TORCH``.

Runs the pickled probes from index START on, writing ``S i`` before probe i and ``R [i, category,
ok, why]`` after it to file descriptor FD. A probe that kills the process (a segfault, an abort
from a corrupted heap) or hangs is the runner's to report; the runner then starts a new worker
after it. Memory is capped (``MEMORY_LIMIT``) so that a huge allocation fails at once.
"""
from __future__ import annotations

import json
import os
import pickle
import resource
import shutil
import signal
import sys
import time
import warnings

MEMORY_LIMIT = 8 * 2**30
ORACLE_TIMEOUT = float(os.environ.get("MINIGRAD_FUZZ_ORACLE_TIMEOUT", "30"))


def _oracle(run, target, probe, mg_result):
    """PyTorch's run of the probe, given up after ``ORACLE_TIMEOUT`` seconds (then its Result
    holds an ``OracleTimeout``, which the judge treats as no answer)."""
    from .execute import OracleTimeout

    def expire(signum, frame):
        raise OracleTimeout(f"PyTorch gave no answer in {ORACLE_TIMEOUT:.0f} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, ORACLE_TIMEOUT)
    try:
        return run(target, probe, "torch", mg_result)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def main(argv):
    path, start, fd, use_torch = argv[0], int(argv[1]), int(argv[2]), argv[3] == "1"
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    warnings.simplefilter("ignore")
    out = os.fdopen(fd, "w", buffering=1)
    sys.stdout = open(os.devnull, "w")
    import minigrad  # noqa: F401

    from .execute import run
    from .judge import judge
    from .targets import discover, torch_counterpart
    if use_torch:
        import torch
        torch.set_num_threads(1)
    targets = {t.name: t for t in discover()}
    with open(path, "rb") as f:
        probes = pickle.load(f)
    abort_at = os.environ.get("MINIGRAD_FUZZ_ABORT_AT")   # the runner's own test: a dying worker
    for i in range(start, len(probes)):
        out.write(f"S {i}\n")
        if abort_at == str(i):
            os.abort()
        t0 = time.perf_counter()
        probe = probes[i]
        target = targets[probe.target]
        mg_result = run(target, probe, "mg")
        th = None
        if use_torch and target.kind != "ckpt" or target.name == "ckpt.load_state_dict" and use_torch:
            if target.kind == "ckpt" or torch_counterpart(target) is not None:
                th = _oracle(run, target, probe, mg_result)
        try:
            verdict = judge(target, probe, mg_result, th)
            record = [i, verdict.category, verdict.ok, verdict.why]
        except Exception as exc:  # noqa: BLE001 - a judge bug must not hide the rest
            record = [i, "harness", False, f"the judge failed: {type(exc).__name__}: {exc}"]
        directory = mg_result.named.get("directory")
        if directory:
            shutil.rmtree(directory, ignore_errors=True)
        out.write("R " + json.dumps(record + [round(time.perf_counter() - t0, 4)]) + "\n")
    out.close()


if __name__ == "__main__":
    main(sys.argv[1:])
