"""conv2d / conv_transpose2d / conv1d: every variant equals the reference (values and all
gradients) over Hypothesis-drawn configurations, PyTorch agrees, gradcheck and gradgradcheck
pass, and bad arguments raise errors naming the op and the shapes. The cpu variant's paths that
small shapes do not take by themselves (several bands per image, several Winograd chunks, the
flipped-weight input gradient, the batch split over threads) are forced by ``every_cpu_path``;
the Winograd path (3x3, stride 1, one group) has Hypothesis shapes of its own."""
import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import kernels, threads
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.kernels import conv
from minigrad.nn import functional as F

VARIANTS = ["reference", "cpu"]
TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-11)}


@st.composite
def conv_configs(draw, transpose=False):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    depthwise = draw(st.booleans()) and not transpose
    if depthwise:                                   # groups == C_in, one filter (or two) per channel
        cg = 1
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.sampled_from([1, 2, 3, (1, 2), (2, 1)]))
    dilation = draw(st.sampled_from([1, 2, (1, 2)]))
    pad = draw(st.sampled_from([0, 1, 2, (0, 1), (2, 1)] + ([] if transpose else ["same", "valid"])))
    if pad == "same":
        stride = 1
    s2 = stride if isinstance(stride, tuple) else (stride, stride)
    d2 = dilation if isinstance(dilation, tuple) else (dilation, dilation)
    p2 = (0, 0) if isinstance(pad, str) else (pad if isinstance(pad, tuple) else (pad, pad))
    H = draw(st.integers(max(1, d2[0] * (kh - 1) + 1 - 2 * p2[0]), 7))
    W = draw(st.integers(max(1, d2[1] * (kw - 1) + 1 - 2 * p2[1]), 7))
    cfg = dict(N=draw(st.integers(1, 2)), groups=groups, cg=cg, og=og, k=(kh, kw), H=H, W=W,
               stride=stride, dilation=dilation, padding=pad,
               bias=draw(st.booleans()), dtype=draw(st.sampled_from([np.float32, np.float64])))
    if transpose:
        cfg["output_padding"] = tuple(draw(st.integers(0, max(s2[a], d2[a]) - 1)) for a in range(2))
        cfg["padding"] = tuple(min(p2[a], (d2[a] * ((kh, kw)[a] - 1)) // 2) for a in range(2))
    return cfg


def _tensors(cfg, transpose, seed=0):
    rng = np.random.default_rng(seed)
    g = cfg["groups"]
    if transpose:
        xs = (cfg["N"], g * cfg["og"], cfg["H"], cfg["W"])
        ws = (g * cfg["og"], cfg["cg"], *cfg["k"])
        bs = (g * cfg["cg"],)
    else:
        xs = (cfg["N"], g * cfg["cg"], cfg["H"], cfg["W"])
        ws = (g * cfg["og"], cfg["cg"], *cfg["k"])
        bs = (g * cfg["og"],)
    arrs = [rng.standard_normal(s).astype(cfg["dtype"]) for s in (xs, ws, bs)]
    return arrs[0], arrs[1], arrs[2] if cfg["bias"] else None


def _kwargs(cfg, transpose):
    kw = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"])
    if transpose:
        kw["output_padding"] = cfg["output_padding"]
    return kw


def _run(fn, arrays, kw, upstream_seed=1):
    ts = [None if a is None else mg.tensor(a, requires_grad=True) for a in arrays]
    y = fn(ts[0], ts[1], ts[2], **kw)
    g = np.random.default_rng(upstream_seed).standard_normal(y.shape).astype(y.dtype)
    y.backward(mg.tensor(g))
    return [y.detach().numpy()] + [None if t is None else t.grad.numpy() for t in ts]


def _valid_transpose(cfg):
    s2 = cfg["stride"] if isinstance(cfg["stride"], tuple) else (cfg["stride"],) * 2
    d2 = cfg["dilation"] if isinstance(cfg["dilation"], tuple) else (cfg["dilation"],) * 2
    return all((cfg[("H", "W")[a]] - 1) * s2[a] - 2 * cfg["padding"][a] + d2[a] * (cfg["k"][a] - 1)
               + cfg["output_padding"][a] + 1 > 0 for a in range(2))


@contextlib.contextmanager
def every_cpu_path():
    """One output row per band and one tile row per Winograd chunk, Winograd and the
    flipped-weight input gradient at any channel count, and the batch split over threads at
    any size."""
    saved = (conv.COLS_BYTES, conv.WINOGRAD_BYTES, conv.FLIP_MIN_CHANNELS, threads.SPLIT_MIN_FLOPS,
             threads.get_num_threads)
    conv.COLS_BYTES, conv.WINOGRAD_BYTES, conv.FLIP_MIN_CHANNELS, threads.SPLIT_MIN_FLOPS = 1, 1, 1, 0
    threads.get_num_threads = lambda: 2
    try:
        with winograd_at_any_size():
            yield
    finally:
        (conv.COLS_BYTES, conv.WINOGRAD_BYTES, conv.FLIP_MIN_CHANNELS, threads.SPLIT_MIN_FLOPS,
         threads.get_num_threads) = saved


@contextlib.contextmanager
def winograd_at_any_size():
    """Winograd for every 3x3 stride-1 convolution of one group, at any channel count and width."""
    saved = conv.WINOGRAD_MIN_CHANNELS, conv.WINOGRAD_GRAD_MIN_WIDTH, conv.WINOGRAD_FLIP_MIN_CHANNELS
    conv.WINOGRAD_MIN_CHANNELS = conv.WINOGRAD_GRAD_MIN_WIDTH = conv.WINOGRAD_FLIP_MIN_CHANNELS = 1
    try:
        yield
    finally:
        conv.WINOGRAD_MIN_CHANNELS, conv.WINOGRAD_GRAD_MIN_WIDTH, conv.WINOGRAD_FLIP_MIN_CHANNELS = saved


@pytest.mark.parametrize("transpose", [False, True], ids=["conv2d", "conv_transpose2d"])
@given(data=st.data())
def test_every_cpu_path_equals_reference(transpose, data):
    cfg = data.draw(conv_configs(transpose))
    if transpose and not _valid_transpose(cfg):
        return
    fn = F.conv_transpose2d if transpose else F.conv2d
    arrays, kw = _tensors(cfg, transpose), _kwargs(cfg, transpose)
    with kernels.use("reference"):
        want = _run(fn, arrays, kw)
    with kernels.use("cpu"), every_cpu_path():
        got = _run(fn, arrays, kw)
    for g, w in zip(got, want):
        if w is not None:
            assert g.dtype == w.dtype == cfg["dtype"]
            np.testing.assert_allclose(g, w, **TOL[cfg["dtype"]])


@pytest.mark.parametrize("xs, ws, stride, padding, groups", [
    ((3, 32, 9, 8), (16, 32, 3, 3), 1, 1, 1),     # 32 channels: Winograd, its flipped input gradient
    ((2, 16, 9, 18), (16, 16, 3, 3), 1, (1, 0), 1),  # 16: Winograd (16 wide: its weight gradient too), col2im
    ((3, 8, 9, 8), (32, 8, 3, 3), 1, 1, 1),       # 8 channels: im2col, col2im
    ((2, 32, 6, 7), (48, 16, 3, 2), 1, (2, 1), 2),
    ((3, 16, 9, 8), (64, 16, 1, 1), 1, 0, 1),     # 1x1: one product per sample
    ((2, 8, 9, 9), (16, 1, 3, 3), 2, 1, 8),       # depthwise, two filters per channel
])
def test_cpu_shapes_with_paths_of_their_own_equal_reference(xs, ws, stride, padding, groups):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), None]
    kw = dict(stride=stride, padding=padding, groups=groups)
    with kernels.use("reference"):
        want = _run(F.conv2d, arrays, kw)
    with kernels.use("cpu"):
        got = _run(F.conv2d, arrays, kw)
    for g, w in zip(got, want):
        if w is not None:
            np.testing.assert_allclose(g, w, **TOL[np.float64])
    ph, pw = padding if isinstance(padding, tuple) else (padding, padding)
    geom = conv.ConvGeometry(ws[2], ws[3], stride, stride, ph, pw, 1, 1, groups, ph, pw)
    winograd = ws[2:] == (3, 3) and min(xs[1], ws[0]) >= 16 and groups == 1
    assert conv._winograd(geom, xs[1], ws[0]) == winograd
    if stride == 1:                               # whether the input gradient took the flipped path
        assert (conv._flipped(geom, arrays[1])[1] is not None) == (xs[1] >= (32 if winograd else 16))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("m", [1, 2])
@pytest.mark.parametrize("xs, padding", [
    ((2, 3, 7, 11), 0), ((1, 4, 9, 5), 1), ((3, 2, 4, 6), 2), ((2, 3, 1, 8), (1, 0)),
    ((1, 2, 6, 3), (2, 1)), ((2, 3, 8, 7), (0, 2)), ((1, 4, 5, 5), "same"),
])
def test_depthwise3x3_equals_reference(xs, padding, m, dtype, monkeypatch):
    """The 3x3 stride-1 depthwise kernel (forward, and the input gradient with one filter per
    channel as the flipped depthwise convolution), on every padding it takes and uneven sizes."""
    calls = []
    kernel = conv._depthwise3x3_cpu
    monkeypatch.setattr(conv, "_depthwise3x3_cpu", lambda *args: calls.append(args[-1].shape) or kernel(*args))
    rng = np.random.default_rng(0)
    C = xs[1]
    arrays = [rng.standard_normal(xs).astype(dtype), rng.standard_normal((m * C, 1, 3, 3)).astype(dtype),
              rng.standard_normal(m * C).astype(dtype)]
    kw = dict(padding=padding, groups=C)
    with kernels.use("reference"):
        want = _run(F.conv2d, arrays, kw)
    with kernels.use("cpu"):
        got = _run(F.conv2d, arrays, kw)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype == dtype
        np.testing.assert_allclose(g, w, **TOL[dtype])
    assert calls == [want[0].shape] + ([xs] if m == 1 else [])    # the forward; the input gradient


@st.composite
def winograd_configs(draw):
    """3x3 stride-1 convolutions of one group (the Winograd path), odd and even sizes, every
    padding including uneven ones, and their transposes (output_padding gives uneven ends)."""
    pad = draw(st.sampled_from([0, 1, 2, (0, 2), (2, 1), "same"]))
    p2 = (1, 1) if pad == "same" else (pad if isinstance(pad, tuple) else (pad, pad))
    H = draw(st.integers(max(1, 3 - 2 * p2[0]), 9))
    W = draw(st.integers(max(1, 3 - 2 * p2[1]), 9))
    return dict(N=draw(st.integers(1, 3)), groups=1, cg=draw(st.integers(1, 4)), og=draw(st.integers(1, 4)),
                k=(3, 3), H=H, W=W, stride=1, dilation=1, padding=pad, bias=draw(st.booleans()),
                dtype=draw(st.sampled_from([np.float32, np.float64])))


@pytest.mark.parametrize("transpose", [False, True], ids=["conv2d", "conv_transpose2d"])
@pytest.mark.parametrize("paths", ["default chunks", "every cpu path"])
@given(data=st.data())
def test_winograd_equals_reference(transpose, paths, data):
    cfg = data.draw(winograd_configs())
    if transpose:
        if cfg["padding"] == "same":
            cfg["padding"] = 1
        p2 = cfg["padding"] if isinstance(cfg["padding"], tuple) else (cfg["padding"],) * 2
        cfg["padding"] = tuple(min(p, 1) for p in p2)
        cfg["output_padding"] = (0, 0)
    ph, pw = (1, 1) if cfg["padding"] == "same" else \
        (cfg["padding"] if isinstance(cfg["padding"], tuple) else (cfg["padding"],) * 2)
    fn = F.conv_transpose2d if transpose else F.conv2d
    arrays, kw = _tensors(cfg, transpose), _kwargs(cfg, transpose)
    with kernels.use("reference"):
        want = _run(fn, arrays, kw)
    with kernels.use("cpu"), every_cpu_path() if paths == "every cpu path" else winograd_at_any_size():
        assert conv._winograd(conv.ConvGeometry(3, 3, 1, 1, ph, pw, 1, 1, 1, ph, pw), cfg["cg"], cfg["og"])
        got = _run(fn, arrays, kw)
    for g, w in zip(got, want):
        if w is not None:
            assert g.dtype == w.dtype == cfg["dtype"]
            np.testing.assert_allclose(g, w, **TOL[cfg["dtype"]])


def test_winograd_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((2, 3, 5, 4)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((2, 3, 3, 3)), requires_grad=True)
    b = mg.tensor(rng.standard_normal(2), requires_grad=True)
    f = lambda x, w, b: F.conv2d(x, w, b, padding=(1, 2))  # noqa: E731
    with kernels.use("cpu"), every_cpu_path():
        assert gradcheck(f, (x, w, b))
        assert gradgradcheck(f, (x, w, b))


@pytest.mark.parametrize("transpose", [False, True], ids=["conv2d", "conv_transpose2d"])
@given(data=st.data())
def test_variants_equal_reference_and_pytorch(transpose, data):
    cfg = data.draw(conv_configs(transpose))
    if transpose and not _valid_transpose(cfg):
        return
    fn = F.conv_transpose2d if transpose else F.conv2d
    arrays, kw = _tensors(cfg, transpose), _kwargs(cfg, transpose)
    results = {}
    for v in VARIANTS:
        with kernels.use(v):
            results[v] = _run(fn, arrays, kw)
    for got, want in zip(results["cpu"], results["reference"]):
        if want is not None:
            assert got.dtype == want.dtype == cfg["dtype"]
            np.testing.assert_allclose(got, want, **TOL[cfg["dtype"]])
    torch = pytest.importorskip("torch")
    tfn = torch.nn.functional.conv_transpose2d if transpose else torch.nn.functional.conv2d
    ts = [None if a is None else torch.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    y = tfn(ts[0], ts[1], ts[2], **kw)
    y.backward(torch.tensor(np.random.default_rng(1).standard_normal(y.shape)))
    want = [y.detach().numpy()] + [None if t is None else t.grad.numpy() for t in ts]
    for got, w in zip(results["reference"], want):
        if w is not None:
            np.testing.assert_allclose(got, w, **TOL[cfg["dtype"]])


CASES = [
    dict(stride=2, padding=1, groups=2),
    dict(stride=(1, 2), padding="same", dilation=(2, 1)) | {"stride": 1},
    dict(padding=(0, 1), dilation=2, groups=4),            # depthwise
]


@pytest.mark.parametrize("kw", CASES)
@pytest.mark.parametrize("variant", VARIANTS + ["every cpu path"])
def test_conv2d_gradcheck_and_gradgradcheck(kw, variant):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((2, 4, 5, 4)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 4 // kw.get("groups", 1), 3, 2)), requires_grad=True)
    b = mg.tensor(rng.standard_normal(4), requires_grad=True)
    paths = every_cpu_path() if variant == "every cpu path" else contextlib.nullcontext()
    variant = "cpu" if variant == "every cpu path" else variant
    with kernels.use(variant), paths:
        assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), (x, w, b))
        if variant == "reference" or kw.get("groups") == 2:
            assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), (x, w, b))


@pytest.mark.parametrize("variant", VARIANTS)
def test_conv_transpose2d_gradcheck_and_gradgradcheck(variant):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((2, 4, 3, 2)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 1, 3, 2)), requires_grad=True)
    b = mg.tensor(rng.standard_normal(2), requires_grad=True)
    f = lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2)  # noqa: E731
    with kernels.use(variant):
        assert gradcheck(f, (x, w, b))
        assert gradgradcheck(f, (x, w, b))


def test_gradient_penalty_through_conv_critic():
    """WGAN-GP: d/dw of ||d critic / dx||^2 exists and matches PyTorch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x0, w0 = rng.standard_normal((2, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    x, w = mg.tensor(x0, requires_grad=True), mg.tensor(w0, requires_grad=True)
    (gx,) = mg.autograd.grad(F.conv2d(x, w, stride=2, padding=1).tanh().sum(), x, create_graph=True)
    (gx * gx).sum().backward()
    tx, tw = torch.tensor(x0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    (tgx,) = torch.autograd.grad(torch.nn.functional.conv2d(tx, tw, stride=2, padding=1).tanh().sum(),
                                 tx, create_graph=True)
    (tgx * tgx).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_conv1d_and_unbatched_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 4, 9)), rng.standard_normal((6, 2, 3)), rng.standard_normal(6)
    for kw in [dict(groups=2), dict(stride=2, padding=1, groups=2), dict(padding="same", dilation=2, groups=2)]:
        got = F.conv1d(mg.tensor(x), mg.tensor(w), mg.tensor(b), **kw).numpy()
        want = torch.nn.functional.conv1d(torch.tensor(x), torch.tensor(w), torch.tensor(b), **kw).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    x3, w4 = rng.standard_normal((2, 5, 5)), rng.standard_normal((3, 2, 2, 2))
    np.testing.assert_allclose(F.conv2d(mg.tensor(x3), mg.tensor(w4)).numpy(),
                               torch.nn.functional.conv2d(torch.tensor(x3), torch.tensor(w4)).numpy())


@pytest.mark.parametrize("call, words", [
    (lambda: F.conv2d(mg.zeros(1, 3, 5, 5), mg.zeros(4, 2, 3, 3)), ["conv2d", "(1, 3, 5, 5)", "(4, 2, 3, 3)"]),
    (lambda: F.conv2d(mg.zeros(1, 4, 5, 5), mg.zeros(3, 2, 3, 3), groups=2), ["conv2d", "groups=2", "(3, 2, 3, 3)"]),
    (lambda: F.conv2d(mg.zeros(1, 3, 5, 5), mg.zeros(3, 1, 3, 3), groups=2), ["conv2d", "groups=2", "(1, 3, 5, 5)"]),
    (lambda: F.conv2d(mg.zeros(1, 2, 3, 3), mg.zeros(4, 2, 5, 5), padding=0), ["conv2d", "larger", "(1, 2, 3, 3)", "(4, 2, 5, 5)"]),
    (lambda: F.conv2d(mg.zeros(1, 2, 3, 3), mg.zeros(4, 2, 3, 3), dilation=2), ["conv2d", "larger", "dilation"]),
    (lambda: F.conv2d(mg.zeros(1, 2, 5, 5), mg.zeros(4, 2, 3, 3), stride=2, padding="same"), ["conv2d", "same", "stride"]),
    (lambda: F.conv_transpose2d(mg.zeros(1, 2, 1, 1), mg.zeros(2, 3, 1, 1), padding=1), ["conv_transpose2d", "output size", "(1, 2, 1, 1)"]),
    (lambda: F.conv_transpose2d(mg.zeros(1, 3, 4, 4), mg.zeros(2, 3, 3, 3)), ["conv_transpose2d", "(1, 3, 4, 4)", "(2, 3, 3, 3)"]),
    (lambda: F.conv_transpose2d(mg.zeros(1, 2, 4, 4), mg.zeros(2, 3, 3, 3), output_padding=1), ["conv_transpose2d", "output_padding"]),
])
def test_bad_input_names_op_and_shapes(call, words):
    with pytest.raises(RuntimeError) as e:
        call()
    for w in words:
        assert w in str(e.value)


def test_unsupported_dtype_names_variant():
    x, w = mg.zeros(1, 1, 3, 3, dtype=mg.float16), mg.zeros(1, 1, 2, 2, dtype=mg.float16)
    with pytest.raises(kernels.UnsupportedConfig, match="conv2d.*'cpu'.*float16"):
        F.conv2d(x, w)
    with kernels.use("reference"):
        assert F.conv2d(x + 1, w + 1).numpy().tolist() == [[[[4.0, 4.0], [4.0, 4.0]]]]
