"""``python -m tests.fuzz [--profile ci|long] [--only 'F.conv*,nn.*'] [--no-torch] [--json FILE]``:
run the bad-input probes and print tried / good / bad per category, then every bad probe.
The profile can also come from ``MINIGRAD_FUZZ_PROFILE``."""
import argparse
import json
import os
import sys
import time

from .runner import PROFILES, bad_pairs, draw, execute, read_known, report, slowest, table, targets, write_known


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz")
    ap.add_argument("--profile", choices=sorted(PROFILES), default=os.environ.get("MINIGRAD_FUZZ_PROFILE", "ci"))
    ap.add_argument("--per-target", type=int, default=None, help="probes per target (overrides the profile)")
    ap.add_argument("--only", default=None, help="comma-separated globs of target names")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-torch", action="store_true", help="do not compare with PyTorch")
    ap.add_argument("--json", default=None, help="write the counts and the bad probes here")
    ap.add_argument("--limit", type=int, default=None, help="print at most this many failure groups")
    ap.add_argument("--write-known", action="store_true",
                    help="write the bad (category, target) pairs to tests/fuzz/known_bad.txt (ci profile, seed 0)")
    args = ap.parse_args(argv)
    use_torch = not args.no_torch
    if use_torch:
        try:
            import torch  # noqa: F401
        except ImportError:
            use_torch = False
    n = args.per_target or PROFILES[args.profile]
    t0 = time.time()
    found = targets(args.only)
    probes = [p for t in found for p in draw(t, n, args.seed)]
    t1 = time.time()
    print(f"{len(found)} targets, {len(probes)} probes (profile {args.profile}, {n} per target, seed {args.seed}, "
          f"PyTorch {'on' if use_torch else 'off'}); drawn in {t1 - t0:.0f} s", flush=True)
    records = execute(probes, use_torch)
    print(f"ran in {time.time() - t1:.0f} s; slowest targets: "
          + ", ".join(f"{name} {sec:.1f} s" for name, sec in slowest(probes, records, 8)) + "\n")
    counts = report(probes, records, limit=args.limit)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"counts": counts, "bad": [[repr(p), r] for p, r in zip(probes, records) if not r[2]]}, f, indent=1)
    pairs = bad_pairs(probes, records)
    if args.write_known:
        write_known(pairs)
        print(f"\nwrote {len(pairs)} known-bad (category, target) pairs")
    else:
        new = sorted(set(pairs) - read_known())
        if new:
            print(f"\n{len(new)} bad (category, target) pairs not in known_bad.txt: "
                  + ", ".join(f"{c}/{t}" for c, t in new))
    return 0 if all(v[2] == 0 for v in table(probes, records).values()) else 1


if __name__ == "__main__":
    sys.exit(main())
