"""Random kernel configurations -- strides, dilations, paddings, groups, ceil_mode, 1-pixel
images, empty batches, windows in the padding, fully masked attention rows, sequences of one
step -- against the reference and PyTorch: every call either raises where PyTorch raises, or
gives PyTorch's values and gradients in every variant. ``test_under_numba_boundscheck`` runs
this file once more with Numba's bounds checks compiled in, so that an index outside an array
raises instead of reading or writing foreign memory."""
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import kernels
from minigrad.nn import functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

EXAMPLES = int(os.environ.get("MINIGRAD_ROBUSTNESS_EXAMPLES", "40"))
TOL = dict(rtol=1e-9, atol=1e-10)


def _both(ours, theirs, arrays, variants, n_out=1, unseeded=None):
    """Run ``ours`` (on minigrad Tensors, under each variant) and ``theirs`` (on torch tensors)
    on float64 ``arrays``: both raise, or outputs and input gradients agree. ``unseeded(out)``:
    where PyTorch's output gets no gradient in the backward (a quirk of its kernel there)."""
    try:
        ts = [torch.tensor(a, requires_grad=True) for a in arrays]
        want = theirs(*ts)
    except RuntimeError:
        want = None
    for v in variants:
        xs = [mg.tensor(a, requires_grad=True) for a in arrays]
        with kernels.use(v):
            if want is None:
                with pytest.raises((RuntimeError, ValueError)):
                    ours(*xs)
                continue
            if (want[0] if isinstance(want, tuple) else want).numel() == 0:
                try:                     # PyTorch skips some argument checks on empty batches
                    ours(*xs)
                except RuntimeError:
                    continue
            got = ours(*xs)
            got_t = got if isinstance(got, tuple) else (got,)
            want_t = want if isinstance(want, tuple) else (want,)
            for g, w in zip(got_t[:n_out], want_t[:n_out]):
                assert tuple(g.shape) == tuple(w.shape), v
                np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), **TOL, err_msg=v)
            seed = np.random.default_rng(0).standard_normal(got_t[0].shape)
            if unseeded is not None:
                seed[unseeded(want_t[0].detach().numpy())] = 0.0
            got_t[0].backward(mg.tensor(seed))
        if v == variants[0]:
            want_t[0].backward(torch.tensor(seed))
        for x, t in zip(xs, ts):
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), **TOL, err_msg=f"{v} gradient")


def _rand(seed, *shape):
    return np.random.default_rng(seed).standard_normal(shape)


@settings(max_examples=EXAMPLES, deadline=None)
@given(N=st.sampled_from([0, 1, 2]), groups=st.sampled_from([1, 2, 3]), cg=st.integers(1, 2),
       og=st.integers(1, 2), H=st.integers(1, 6), W=st.integers(1, 6), kh=st.integers(1, 4),
       kw=st.integers(1, 4), stride=st.sampled_from([1, 2, 3, (1, 2), (3, 1)]),
       dilation=st.sampled_from([1, 2, 3, (2, 1)]),
       padding=st.sampled_from([0, 1, 2, 3, (0, 2), "same", "valid"]), seed=st.integers(0, 99))
def test_conv2d(N, groups, cg, og, H, W, kh, kw, stride, dilation, padding, seed):
    x, w, b = _rand(seed, N, groups * cg, H, W), _rand(seed + 1, groups * og, cg, kh, kw), _rand(seed + 2, groups * og)
    kw_ = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    _both(lambda x, w, b: F.conv2d(x, w, b, **kw_), lambda x, w, b: tF.conv2d(x, w, b, **kw_), [x, w, b],
          ["reference", "cpu"])


@settings(max_examples=EXAMPLES, deadline=None)
@given(N=st.sampled_from([0, 1, 2]), groups=st.sampled_from([1, 2]), cg=st.integers(1, 2), og=st.integers(1, 2),
       H=st.integers(1, 4), W=st.integers(1, 4), k=st.integers(1, 3), stride=st.integers(1, 3),
       dilation=st.integers(1, 2), padding=st.integers(0, 2), output_padding=st.integers(0, 2),
       seed=st.integers(0, 99))
def test_conv_transpose2d(N, groups, cg, og, H, W, k, stride, dilation, padding, output_padding, seed):
    x, w = _rand(seed, N, groups * og, H, W), _rand(seed + 1, groups * og, cg, k, k)
    kw_ = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation, groups=groups)
    _both(lambda x, w: F.conv_transpose2d(x, w, **kw_), lambda x, w: tF.conv_transpose2d(x, w, **kw_), [x, w],
          ["reference", "cpu"])


@settings(max_examples=EXAMPLES, deadline=None)
@given(kind=st.sampled_from(["max", "avg"]), N=st.sampled_from([0, 1, 2]), C=st.integers(1, 3),
       H=st.integers(1, 6), W=st.integers(1, 6), kh=st.integers(1, 4), kw=st.integers(1, 4),
       stride=st.sampled_from([None, 1, 2, 3, (1, 2)]), ph=st.integers(0, 2), pw=st.integers(0, 2),
       dilation=st.sampled_from([1, 2, 3, (1, 3)]), ceil_mode=st.booleans(),
       count_include_pad=st.booleans(), divisor=st.sampled_from([None, None, 2]), seed=st.integers(0, 99))
def test_pool2d(kind, N, C, H, W, kh, kw, stride, ph, pw, dilation, ceil_mode, count_include_pad, divisor, seed):
    x = _rand(seed, N, C, H, W)
    if kind == "max":
        kw_ = dict(kernel_size=(kh, kw), stride=stride, padding=(ph, pw), dilation=dilation, ceil_mode=ceil_mode)
        ours, theirs = (lambda x: F.max_pool2d(x, **kw_)), (lambda x: tF.max_pool2d(x, **kw_))
    else:
        kw_ = dict(kernel_size=(kh, kw), stride=stride, padding=(ph, pw), ceil_mode=ceil_mode,
                   count_include_pad=count_include_pad, divisor_override=divisor)
        ours, theirs = (lambda x: F.avg_pool2d(x, **kw_)), (lambda x: tF.avg_pool2d(x, **kw_))
    # A max window wholly in the padding (-inf) has no pixel for its gradient: minigrad's is 0;
    # PyTorch 2.13 sends it to the window's start moved into the image by the dilation, which can
    # lie outside the window (the next row's first pixel). Those windows get no gradient here.
    _both(ours, theirs, [x], ["reference", "cpu"], unseeded=np.isneginf if kind == "max" else None)


@settings(max_examples=EXAMPLES, deadline=None)
@given(kind=st.sampled_from(["max", "avg"]), N=st.sampled_from([0, 1, 2]), C=st.integers(1, 2),
       H=st.integers(0, 5), W=st.integers(1, 5), oh=st.integers(1, 7), ow=st.sampled_from([1, 3, 8, None]),
       seed=st.integers(0, 99))
def test_adaptive_pool2d(kind, N, C, H, W, oh, ow, seed):
    x = _rand(seed, N, C, H, W)
    name = f"adaptive_{kind}_pool2d"
    if H == 0 and not (kind == "avg" and (oh, W if ow is None else ow) == (1, 1)):
        # refused, as PyTorch 2.13 refuses, except adaptive_avg_pool2d to (1, 1): a mean, NaN
        for v in ("reference", "cpu"):
            with kernels.use(v), pytest.raises(RuntimeError, match=f"{name}: expected input to have non-zero size"):
                getattr(F, name)(mg.tensor(x), (oh, ow))
        return
    _both(lambda x: getattr(F, name)(x, (oh, ow)), lambda x: getattr(tF, name)(x, (oh, ow)), [x],
          ["reference", "cpu"])


@settings(max_examples=EXAMPLES, deadline=None)
@given(L=st.sampled_from([0, 1, 2, 5, 70]), S=st.sampled_from([0, 1, 3, 70]), E=st.sampled_from([1, 3]),
       mask=st.sampled_from(["none", "bool", "dead rows", "float"]), causal=st.booleans(), seed=st.integers(0, 99))
def test_attention(L, S, E, mask, causal, seed):
    q, k, v = _rand(seed, 2, L, E), _rand(seed + 1, 2, S, E), _rand(seed + 2, 2, S, 2)
    m = None
    if mask != "none":
        m = _rand(seed + 3, L, S) > (0.2 if mask == "bool" else 0.8) if mask != "float" else _rand(seed + 3, L, S)
        if mask == "dead rows" and L:
            m[::2] = False                              # every other query may attend nothing
    if causal and m is not None:
        m = None                                        # PyTorch refuses both at once

    def ours(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=None if m is None else mg.tensor(m),
                                              is_causal=causal)

    def theirs(q, k, v):
        return tF.scaled_dot_product_attention(q, k, v, attn_mask=None if m is None else torch.tensor(m),
                                               is_causal=causal)
    _both(ours, theirs, [q, k, v], ["reference", "cpu", "composite"])


@settings(max_examples=EXAMPLES // 2, deadline=None)
@given(mode=st.sampled_from(["LSTM", "GRU", "RNN_TANH", "RNN_RELU"]), T=st.integers(1, 3), N=st.integers(1, 2),
       I=st.integers(1, 2), H=st.integers(1, 3), seed=st.integers(0, 99))
def test_recurrent(mode, T, N, I, H, seed):
    cls = {"LSTM": (mg.nn.LSTM, torch.nn.LSTM), "GRU": (mg.nn.GRU, torch.nn.GRU)}.get(mode)
    extra = {} if cls else {"nonlinearity": mode[4:].lower()}
    ours_cls, theirs_cls = cls or (mg.nn.RNN, torch.nn.RNN)
    mine, twin = ours_cls(I, H, dtype=mg.float64, **extra), theirs_cls(I, H, dtype=torch.float64, **extra)
    with torch.no_grad():
        for name, p in twin.named_parameters():
            p.copy_(torch.tensor(getattr(mine, name).data))
    _both(lambda x: mine(x)[0], lambda x: twin(x)[0], [_rand(seed, T, N, I)], ["reference", "cpu", "composite"])


@pytest.mark.slow
def test_under_numba_boundscheck(tmp_path):
    """This file and the variant tests once more, every Numba kernel compiled with bounds
    checks (its own cache: the checked code must not mix with the unchecked)."""
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               MINIGRAD_ROBUSTNESS_EXAMPLES="15", HYPOTHESIS_PROFILE="dev")
    here = os.path.dirname(__file__)
    files = [os.path.join(here, f) for f in ("test_robustness.py", "test_conv.py", "test_pool.py",
                                             "test_attention.py", "test_recurrent_kernels.py")]
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not slow",
                           *files], env=env, capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(here)))
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout.splitlines()[-1]
