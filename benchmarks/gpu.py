"""The one-command GPU check: the cuda tests on the real device, then the kernel benchmarks on
device="cuda" against PyTorch CUDA (when PyTorch with CUDA is installed).

    python -m benchmarks.gpu --out DIR [--repeats 10] [--tests PATH ...] [--skip-tests] [--tiny]

Writes into DIR:
    doctor.txt     ``minigrad doctor``: versions, the device, the kernel variants
    tests.txt      the output of ``pytest -m cuda`` (every test's device='cuda' case)
    gpu.md         the benchmark table (Markdown) with the device and the test counts
    gpu.json       the same numbers, machine-readable

Each benchmark case is forward + backward (the MLP: a whole Adam training step) in float32,
timed with ``benchmarks._timing.compare``: minigrad and PyTorch alternated round by round, each
call followed by a device synchronize, medians reported and the first call (Numba's CUDA
compilation) apart. Every case also checks its forward output against minigrad on the CPU and
against PyTorch (max |difference|). Nothing is fetched at run time; a full run (tests and the
default sizes) is meant to take well under 8 minutes on one modern GPU. Exit status: 0 when the
tests and every case passed, 1 otherwise (the files are written either way), 2 without a GPU.
"""
from __future__ import annotations

import argparse
import copy
import json
import pathlib
import re
import subprocess
import sys
import time

import numpy as np

import minigrad as mg
from benchmarks._timing import compare, markdown_table, torch_or_none
from minigrad import nn, optim
from minigrad.nn import functional as F

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEST_TIMEOUT_S = 300

# name -> (default sizes, tiny sizes); every case below reads its sizes from here
SIZES = {
    "conv2d 3x3": (dict(x=(32, 64, 56, 56), w=(64, 64, 3, 3), padding=1), dict(x=(1, 2, 5, 5), w=(2, 2, 3, 3), padding=1)),
    "max_pool2d 2x2": (dict(x=(32, 64, 56, 56), k=2), dict(x=(1, 2, 4, 4), k=2)),
    "LSTM": (dict(T=50, N=32, I=256, H=256), dict(T=3, N=1, I=3, H=2)),
    "attention causal": (dict(B=32, H=8, L=256, E=64), dict(B=1, H=1, L=3, E=2)),
    "MLP step (Adam)": (dict(sizes=(784, 512, 512, 10), batch=256), dict(sizes=(8, 4, 3), batch=4)),
}


def _synchronize(torch):
    mg.cuda.synchronize()
    if torch is not None:
        torch.cuda.synchronize()


def _timed(fn, sync):
    def run():
        fn()
        sync()
    return run


def _np(t):
    return t.detach().cpu().numpy() if hasattr(t, "cpu") else t


# ----------------------------------------------------------------------------- the cases
# Each builder gets (sizes, device, torch or None, rng) and returns (minigrad_fn, torch_fn or
# None, forward outputs {"cuda": ..., "cpu": ..., "torch": ...}) with the inputs already on the device.

def _functional_case(fn_mg, fn_torch, arrays, device, torch, fn_cpu=None):
    """A case that is one function of float32 arrays: forward + backward of sum(out * g).
    ``fn_cpu`` computes the CPU forward for the check (default: ``fn_mg`` itself)."""
    def tensors(dev):
        return [mg.tensor(a, device=dev, requires_grad=True) for a in arrays]
    xs = tensors(device)
    out = fn_mg(*xs)
    g = mg.tensor(np.random.default_rng(1).standard_normal(out.shape).astype(np.float32), device=device)

    def run_mg():
        for x in xs:
            x.grad = None
        fn_mg(*xs).backward(g)
    outputs = {"cuda": _np(out), "cpu": _np((fn_cpu or fn_mg)(*tensors("cpu")))}
    run_torch = None
    if torch is not None:
        ts = [torch.tensor(a, device="cuda", requires_grad=True) for a in arrays]
        tg = torch.tensor(_np(g), device="cuda")

        def run_torch():
            for t in ts:
                t.grad = None
            fn_torch(*ts).backward(tg)
        outputs["torch"] = _np(fn_torch(*ts))
    return run_mg, run_torch, outputs


def case_conv(s, device, torch, rng):
    arrays = [rng.standard_normal(s["x"]).astype(np.float32), rng.standard_normal(s["w"]).astype(np.float32) * 0.1]
    return _functional_case(lambda x, w: F.conv2d(x, w, padding=s["padding"]),
                            lambda x, w: torch.nn.functional.conv2d(x, w, padding=s["padding"]),
                            arrays, device, torch)


def case_pool(s, device, torch, rng):
    arrays = [rng.standard_normal(s["x"]).astype(np.float32)]
    return _functional_case(lambda x: F.max_pool2d(x, s["k"]), lambda x: torch.nn.functional.max_pool2d(x, s["k"]),
                            arrays, device, torch)


def case_attention(s, device, torch, rng):
    shape = (s["B"] * s["H"], s["L"], s["E"])
    arrays = [rng.standard_normal(shape).astype(np.float32) for _ in range(3)]
    return _functional_case(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                            lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True),
                            arrays, device, torch)


def case_lstm(s, device, torch, rng):
    mg.manual_seed(0)
    layer = nn.LSTM(s["I"], s["H"])
    x = rng.standard_normal((s["T"], s["N"], s["I"])).astype(np.float32)

    def module_case(module):
        return lambda x: module(x)[0]
    fn_torch = None
    if torch is not None:
        twin = torch.nn.LSTM(s["I"], s["H"]).cuda()
        with torch.no_grad():
            for name, p in twin.named_parameters():
                p.copy_(torch.from_numpy(_np(getattr(layer, name))))
        fn_torch = module_case(twin)
    return _functional_case(module_case(copy.deepcopy(layer).to(device)), fn_torch, [x], device, torch,
                            fn_cpu=module_case(layer))


def case_mlp(s, device, torch, rng):
    mg.manual_seed(0)
    sizes = s["sizes"]
    layers = []
    for i in range(len(sizes) - 1):
        layers += [nn.Linear(sizes[i], sizes[i + 1])] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
    cpu_model = nn.Sequential(*layers)
    x = rng.standard_normal((s["batch"], sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], s["batch"])
    model = copy.deepcopy(cpu_model).to(device)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = mg.tensor(x, device=device), mg.tensor(y, device=device)

    def run_mg():
        opt.zero_grad()
        F.cross_entropy(model(xt), yt).backward()
        opt.step()
    outputs = {"cuda": _np(model(xt)), "cpu": _np(cpu_model(mg.tensor(x)))}
    run_torch = None
    if torch is not None:
        tlayers = []
        for i in range(len(sizes) - 1):
            tlayers += [torch.nn.Linear(sizes[i], sizes[i + 1])] + ([torch.nn.ReLU()] if i < len(sizes) - 2 else [])
        twin = torch.nn.Sequential(*tlayers).cuda()
        with torch.no_grad():
            for name, p in twin.named_parameters():
                p.copy_(torch.from_numpy(_np(cpu_model.state_dict()[name])))
        topt = torch.optim.Adam(twin.parameters(), lr=1e-3)
        tx, ty = torch.from_numpy(x).cuda(), torch.from_numpy(y).cuda()
        outputs["torch"] = _np(twin(tx))

        def run_torch():
            topt.zero_grad()
            torch.nn.functional.cross_entropy(twin(tx), ty).backward()
            topt.step()
    return run_mg, run_torch, outputs


CASES = {"conv2d 3x3": case_conv, "max_pool2d 2x2": case_pool, "LSTM": case_lstm,
         "attention causal": case_attention, "MLP step (Adam)": case_mlp}


def run_case(name, tiny, torch, repeats):
    """Build, check and time one case; a failure is recorded in the row, never fatal."""
    sizes = SIZES[name][1 if tiny else 0]
    row = {"case": name, "sizes": sizes}
    try:
        run_mg, run_torch, outputs = CASES[name](sizes, "cuda", torch, np.random.default_rng(0))
        for other in ("cpu", "torch"):
            if other in outputs:
                row[f"max_abs_diff_{other}"] = float(np.abs(outputs["cuda"] - outputs[other]).max())
        sync = lambda: _synchronize(torch)  # noqa: E731
        fns = {"minigrad": _timed(run_mg, sync)}
        if run_torch is not None:
            fns["torch"] = _timed(run_torch, sync)
        res = compare(fns, repeats=repeats, number=1, warmup=1)
        row["minigrad_ms"], row["minigrad_first_ms"] = res["minigrad"].median_ms, res["minigrad"].first_ms
        if "torch" in res:
            row["torch_ms"] = res["torch"].median_ms
            row["minigrad_over_torch"] = row["minigrad_ms"] / row["torch_ms"]
    except Exception as e:  # one broken case must not hide the others
        row["error"] = f"{type(e).__name__}: {e}"
    return row


# ----------------------------------------------------------------------------- tests, report

def run_tests(out_dir, tests):
    """``pytest -m cuda`` on the device: every test's cuda case. Returns a summary dict."""
    if not (ROOT / "tests").is_dir():
        return {"error": f"no tests/ folder next to benchmarks/ ({ROOT}): run from a source checkout"}
    cmd = [sys.executable, "-m", "pytest", "-m", "cuda", "-p", "no:cacheprovider", "-rs", *tests]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=TEST_TIMEOUT_S)
        text, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as e:
        text, code = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or ""), None
    (out_dir / "tests.txt").write_text(text)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    last = next((ln for ln in reversed(lines) if re.search(r"\d+ (passed|failed|error)", ln)), "")
    counts = {w: int(n) for n, w in re.findall(r"(\d+) (passed|failed|skipped|errors?|deselected)", last)}
    return {"command": " ".join(["python"] + cmd[1:]), "returncode": code,
            "summary": last.strip("= ") or "no summary (timed out?)",
            "counts": counts, "seconds": round(time.perf_counter() - start, 1),
            "ok": code == 0 and counts.get("passed", 0) > 0}


def _fmt(row, key, spec=".2f"):
    return format(row[key], spec) if key in row else "-"


def markdown(report):
    dev, tests = report["device"], report["tests"]
    lines = [f"# minigrad on {dev['name']}", "",
             f"CuPy {dev['cupy']}, numba-cuda {dev['numba_cuda']}, PyTorch {dev['torch']}; "
             f"float32, forward + backward, medians of {report['repeats']} rounds"
             + (" (tiny sizes: a smoke run, the times mean nothing)" if report["tiny"] else ""), ""]
    if "summary" in tests:
        lines += [f"cuda tests (`{tests['command']}`): {tests['summary']}", ""]
    elif tests:
        lines += [f"cuda tests: {tests.get('error', 'skipped')}", ""]
    header = ["case", "sizes", "minigrad ms", "torch ms", "minigrad/torch", "first call ms",
              "max abs diff vs cpu", "vs torch"]
    rows = []
    for r in report["benchmarks"]:
        if "error" in r:
            rows.append([r["case"], _sizes(r["sizes"]), "error: " + r["error"], "", "", "", "", ""])
            continue
        rows.append([r["case"], _sizes(r["sizes"]), _fmt(r, "minigrad_ms"), _fmt(r, "torch_ms"),
                     _fmt(r, "minigrad_over_torch") + ("x" if "minigrad_over_torch" in r else ""),
                     _fmt(r, "minigrad_first_ms", ".0f"), _fmt(r, "max_abs_diff_cpu", ".1e"),
                     _fmt(r, "max_abs_diff_torch", ".1e")])
    lines.append(markdown_table(header, rows))
    lines += ["", f"total {report['seconds']:.0f} s; written by `python -m benchmarks.gpu`"]
    return "\n".join(lines) + "\n"


def _sizes(s):
    return ", ".join(f"{k}={v}" for k, v in s.items())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder for gpu.md, gpu.json, tests.txt, doctor.txt")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--tests", nargs="*", default=["tests"], help="what pytest collects (default: tests)")
    ap.add_argument("--skip-tests", action="store_true")
    ap.add_argument("--tiny", action="store_true", help="tiny sizes: a smoke run of the whole command")
    args = ap.parse_args(argv)
    if not mg.cuda.is_available():
        print(f"benchmarks.gpu: no usable GPU ({mg.backend.cuda_unavailable_reason()})", file=sys.stderr)
        return 2
    start = time.perf_counter()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from minigrad.cli import doctor_report
    doctor = doctor_report()
    (out / "doctor.txt").write_text("".join(f"{k}: {v}\n" for k, v in doctor))
    print("".join(f"{k}: {v}\n" for k, v in doctor), flush=True)

    torch = torch_or_none()
    torch_cuda = torch if torch is not None and torch.cuda.is_available() else None
    import cupy
    from minigrad.cli import _version
    device = {"name": mg.backend.cuda_device_name(), "cupy": cupy.__version__,
              "numba_cuda": _version("numba-cuda"),
              "torch": (torch.__version__ + ("" if torch_cuda else " (no CUDA: not compared)")) if torch else "not installed"}

    tests = {}
    if not args.skip_tests:
        print(f"running the cuda tests ({' '.join(args.tests)}) ...", flush=True)
        tests = run_tests(out, args.tests)
        print(tests.get("summary", tests.get("error")), flush=True)

    rows = []
    for name in CASES:
        row = run_case(name, args.tiny, torch_cuda, args.repeats)
        rows.append(row)
        print(f"{name}: " + (row["error"] if "error" in row else
                              f"minigrad {row['minigrad_ms']:.2f} ms" +
                              (f", torch {row['torch_ms']:.2f} ms" if "torch_ms" in row else "")), flush=True)

    report = {"device": device, "tests": tests, "benchmarks": rows, "repeats": args.repeats,
              "tiny": args.tiny, "doctor": dict(doctor), "seconds": time.perf_counter() - start}
    (out / "gpu.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "gpu.md").write_text(markdown(report))
    print(f"wrote {out / 'gpu.md'} and {out / 'gpu.json'} ({report['seconds']:.0f} s)")
    ok = (args.skip_tests or tests.get("ok", False)) and not any("error" in r for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
