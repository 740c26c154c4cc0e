"""Draw the probes, run them in worker processes, count the verdicts.

``draw`` asks Hypothesis (seeded, no database, no shrinking) for ``n`` probes per target;
``execute`` runs them in ``tests.fuzz.worker`` processes and turns a worker that died or hung into
a "memory safety" failure of the probe it was running, then goes on in a new worker; ``table``
counts tried / good / bad per category.
"""
from __future__ import annotations

import fnmatch
import json
import os
import pickle
import select
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict

from hypothesis import HealthCheck, Phase, given, seed, settings

from .judge import CATEGORIES
from .strategies import probe_strategy
from .targets import discover

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROFILES = {"ci": 3, "long": 60}
KNOWN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "known_bad.txt")


def targets(only=None):
    found = discover()
    if only:
        found = [t for t in found if any(fnmatch.fnmatch(t.name, pattern) for pattern in only.split(","))]
    return found


def draw(target, n, base_seed=0):
    """``n`` probes for ``target``, the same ones every time for the same seed."""
    out = []

    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @seed(base_seed ^ zlib.crc32(target.name.encode()))
    @given(probe_strategy(target))
    def collect(probe):
        out.append(probe)
    collect()
    return out[:n]


def execute(probes, use_torch=True, timeout=240.0, log=None):
    """Run ``probes`` in worker processes; one record ``[i, category, ok, why]`` per probe."""
    records = [None] * len(probes)
    with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as f:
        pickle.dump(probes, f)
        path = f.name
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.setdefault("NUMBA_CACHE_DIR", os.path.join(ROOT, ".numba_cache"))
    start = 0
    try:
        while start < len(probes):
            start = _one_worker(path, start, records, use_torch, timeout, env, log)
    finally:
        os.unlink(path)
    return records


def _one_worker(path, start, records, use_torch, timeout, env, log):
    r, w = os.pipe()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "tests.fuzz.worker", path, str(start), str(w),
                                 "1" if use_torch else "0"], pass_fds=(w,), stdout=subprocess.DEVNULL,
                                stderr=err, cwd=ROOT, env=env)
        os.close(w)
        current, buffer, last = None, b"", time.monotonic()
        reader = os.fdopen(r, "rb", buffering=0)
        while True:
            ready, _, _ = select.select([reader], [], [], 1.0)
            if ready:
                chunk = reader.read(65536)
                if not chunk:
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.startswith(b"S "):
                        current, last = int(line[2:]), time.monotonic()
                    elif line.startswith(b"R "):
                        rec = json.loads(line[2:])
                        records[rec[0]] = rec
                        if log and not rec[2]:
                            log(rec)
            elif time.monotonic() - last > timeout:
                proc.kill()
                proc.wait()
                reader.close()
                return _lost(records, current, start, f"hung: no answer in {timeout:.0f} s", log)
        reader.close()
        code = proc.wait()
        if current is None or records[current] is not None:
            if current is None or current + 1 < len(records):
                err.seek(0)
                raise RuntimeError(f"fuzz worker exited with {code} before probe {current}: "
                                   f"{err.read()[-2000:].decode(errors='replace')}")
            return len(records)
        err.seek(0)
        stderr = err.read()[-300:].decode(errors="replace").strip().splitlines()
        why = f"the process died (exit {code}{', signal ' + str(-code) if code < 0 else ''})" \
              f"{': ' + stderr[-1] if stderr else ''}"
        return _lost(records, current, start, why, log)


def _lost(records, current, start, why, log):
    i = start if current is None else current
    records[i] = [i, "memory safety", False, why]
    if log:
        log(records[i])
    return i + 1


def table(probes, records):
    """{category: [tried, good, bad]} -- "memory safety" counts every probe."""
    counts = {c: [0, 0, 0] for c in CATEGORIES}
    counts["memory safety"][0] = len(records)
    for rec in records:
        cat, ok = rec[1], rec[2]
        if cat == "memory safety":
            counts[cat][2] += 1
            continue
        counts.setdefault(cat, [0, 0, 0])
        counts[cat][0] += 1
        counts[cat][1 if ok else 2] += 1
    counts["memory safety"][1] = counts["memory safety"][0] - counts["memory safety"][2]
    return counts


def failures(probes, records):
    """Bad verdicts grouped by (category, target, why), with one probe of each."""
    groups = defaultdict(list)
    for probe, rec in zip(probes, records):
        if not rec[2]:
            groups[(rec[1], probe.target, rec[3])].append(probe)
    return groups


def slowest(probes, records, n=10):
    """The targets that took longest (seconds summed over their probes)."""
    per = Counter()
    for probe, rec in zip(probes, records):
        if len(rec) > 4:
            per[probe.target] += rec[4]
    return per.most_common(n)


def report(probes, records, out=None, limit=None):
    out = out or sys.stdout
    counts = table(probes, records)
    print(f"{'category':18} {'tried':>7} {'good':>7} {'bad':>6}", file=out)
    for cat, (tried, good, bad) in counts.items():
        print(f"{cat:18} {tried:7d} {good:7d} {bad:6d}", file=out)
    groups = failures(probes, records)
    per_target = Counter(probe.target for (_, probe_target, _), ps in groups.items() for probe in ps)
    if groups:
        print(f"\n{sum(len(v) for v in groups.values())} bad probes in {len(per_target)} targets:", file=out)
        for n, ((cat, target, why), ps) in enumerate(sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1]))):
            if limit is not None and n >= limit:
                print(f"... and {len(groups) - limit} more groups", file=out)
                break
            print(f"[{cat}] {target} x{len(ps)}: {why}\n    e.g. {ps[0]!r}", file=out)
    return counts


def bad_pairs(probes, records):
    """The (category, target) pairs with at least one bad probe, sorted."""
    return sorted({(rec[1], probe.target) for probe, rec in zip(probes, records) if not rec[2]})


def read_known(path=KNOWN):
    """The (category, target) pairs listed in the known-bad ledger (one "category<TAB>target" a
    line; "#" starts a comment)."""
    out = set()
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].rstrip("\n")
            if line.strip():
                cat, target = line.split("\t")
                out.add((cat.strip(), target.strip()))
    return out


def write_known(pairs, path=KNOWN):
    with open(path, "w") as f:
        f.write("# Bad-input probes of the ci profile (python -m tests.fuzz) that are known to fail, as\n"
                "# category<TAB>target. tests/fuzz/test_fuzz.py fails on a bad probe outside this list;\n"
                "# regenerate with python -m tests.fuzz --write-known after fixing some.\n")
        for cat, target in pairs:
            f.write(f"{cat}\t{target}\n")
