"""Every CUDA kernel of every family compiles to PTX (cc 8.0) for each entry of its family's
``PTX_SIGNATURES``, the one list per family; no GPU needed."""
import pytest

from minigrad.kernels import _cuda, attention, conv, gru, lstm, pool, rnn

CC = (8, 0)

FAMILIES = (conv, pool, lstm, gru, rnn, attention)
KERNELS = [(f"{fam.__name__.rsplit('.', 1)[1]}.{fn.__name__}-{sig.split('(')[1].split('[')[0]}", fn, sig)
           for fam in FAMILIES for fn, sig in fam.PTX_SIGNATURES]


def test_every_family_lists_its_kernels_for_both_dtypes():
    for fam in FAMILIES:
        sigs = fam.PTX_SIGNATURES
        assert sigs, fam.__name__
        assert {"float32", "float64"} == {sig.split("(")[1].split("[")[0] for _, sig in sigs}, fam.__name__
        kernels = {fn.__name__ for fn, _ in sigs}
        defined = {name for name in vars(fam) if name.startswith("_") and name.endswith("_cuda")
                   and callable(vars(fam)[name])} | {name for name in vars(fam) if name.startswith("_cuda_")}
        assert defined <= kernels, f"{fam.__name__}: CUDA kernels without a PTX signature: {defined - kernels}"


@pytest.mark.parametrize("name, fn, sig", KERNELS, ids=[k[0] for k in KERNELS])
def test_kernel_compiles_to_ptx(name, fn, sig):
    ptx, resty = _cuda.compile_ptx(fn, sig, cc=CC)
    assert str(resty) == "none"
    assert ".visible .entry" in ptx and f"sm_{CC[0]}{CC[1]}" in ptx
    if "float32" in sig:                  # float32 kernels compute in float32
        assert ".f64" not in ptx.replace("cvt.f64.f32", ""), f"{name}: float64 arithmetic in a float32 kernel"
