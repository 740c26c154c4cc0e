"""F.interpolate against PyTorch (values, output sizes, gradients), gradcheck, errors."""
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.nn import functional as F
from minigrad.nn.functional.resample import fixed_point, nearest_indices


def assert_interpolate_matches_pytorch(shape, dtype, mode, align_corners, **kw):
    """F.interpolate of a random ``shape`` input and its gradient equal PyTorch's: values,
    output shape and dtype."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(shape).astype(dtype)
    x, tx = mg.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    y = F.interpolate(x, mode=mode, align_corners=align_corners, **kw)
    ty = torch.nn.functional.interpolate(tx, mode=mode, align_corners=align_corners, **kw)
    assert y.shape == tuple(ty.shape) and y.dtype == dtype
    g = rng.standard_normal(y.shape).astype(dtype)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), **tol)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **tol)


@given(H=st.integers(1, 9), W=st.integers(1, 9), dtype=st.sampled_from([np.float32, np.float64]),
       mode=st.sampled_from([("nearest", None), ("bilinear", False), ("bilinear", True)]),
       how=st.sampled_from(["size", "scale"]), data=st.data())
def test_interpolate_matches_pytorch(H, W, dtype, mode, how, data):
    if how == "size":
        kw = dict(size=(data.draw(st.integers(1, 13)), data.draw(st.integers(1, 13))))
    else:
        sf = data.draw(st.sampled_from([2, 3, 0.5, 1.5, (1.7, 0.6), (0.34, 2.5)]))
        sfs = sf if isinstance(sf, tuple) else (sf, sf)
        if int(H * sfs[0]) < 1 or int(W * sfs[1]) < 1:
            return
        kw = dict(scale_factor=sf)
    assert_interpolate_matches_pytorch((2, 2, H, W), dtype, mode[0], mode[1], **kw)


def test_nearest_rule_by_hand():
    assert nearest_indices(3, 6).tolist() == [0, 0, 1, 1, 2, 2]
    assert nearest_indices(5, 3).tolist() == [0, 1, 3]            # floor(i * 5/3)
    assert nearest_indices(4, 5, 1.25).tolist() == [0, 0, 1, 2, 3]


@pytest.mark.parametrize("kw", [dict(scale_factor=1.5, mode="bilinear"),
                                dict(size=(3, 7), mode="bilinear", align_corners=True),
                                dict(size=(7, 3), mode="nearest")])
def test_gradcheck_and_gradgradcheck(kw):
    x = mg.tensor(np.random.default_rng(0).standard_normal((1, 2, 4, 5)), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, **kw), (x,))
    assert gradgradcheck(lambda t: F.interpolate(t, **kw) ** 2, (x,))


def test_errors_name_op():
    with pytest.raises(ValueError, match="interpolate.*exactly one"):
        F.interpolate(mg.zeros(1, 1, 2, 2))
    with pytest.raises(NotImplementedError, match="interpolate: got 4-D input, but mode 'linear' needs 3-D"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=2, mode="linear")
    with pytest.raises(NotImplementedError, match="interpolate: got 3-D input, but mode 'trilinear' needs 5-D"):
        F.interpolate(mg.zeros(1, 1, 2), scale_factor=2, mode="trilinear")
    with pytest.raises(NotImplementedError, match="interpolate: mode 'box' is not supported"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=2, mode="box")
    with pytest.raises(ValueError, match=r"interpolate: antialias=True is restricted .* got mode 'nearest' and "
                                         r"input of shape \(1, 1, 2, 2\)"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=2, antialias=True)
    with pytest.raises(ValueError, match="interpolate: antialias=True is restricted .* shape \\(1, 1, 2\\)"):
        F.interpolate(mg.zeros(1, 1, 2), scale_factor=2, mode="bilinear", antialias=True)
    with pytest.raises(ValueError, match="interpolate: mode 'lanczos' requires antialias=True"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=2, mode="lanczos", align_corners=False)
    with pytest.raises(ValueError, match="interpolate: mode 'lanczos' does not support align_corners=True"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=2, mode="lanczos", align_corners=True, antialias=True)
    with pytest.raises(ValueError, match="interpolate: align_corners may only be set .* got mode 'area'"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=2, mode="area", align_corners=False)
    with pytest.raises(ValueError, match="interpolate: recompute_scale_factor is not meaningful with an explicit size"):
        F.interpolate(mg.zeros(1, 1, 2, 2), size=3, recompute_scale_factor=True)
    with pytest.raises(NotImplementedError, match=r"interpolate: only 3-D, 4-D and 5-D .* \(1, 4\)"):
        F.interpolate(mg.zeros(1, 4), scale_factor=2)
    with pytest.raises(ValueError, match="interpolate: align_corners may only be set .* 'nearest-exact'"):
        F.interpolate(mg.zeros(1, 1, 2), scale_factor=2, mode="nearest-exact", align_corners=True)
    with pytest.raises(ValueError, match=r"interpolate: scale_factor \(2, 2, 2\) must be one or 2 positive"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=(2, 2, 2))
    for dtype, mode in [(mg.int32, "bilinear"), (mg.int64, "nearest"), (mg.uint8, "area"), (mg.uint8, "linear")]:
        x = mg.zeros(1, 1, 2, *((2,) if mode != "linear" else ()), dtype=dtype)
        with pytest.raises(NotImplementedError, match=f"interpolate: mode '{mode}' on {np.dtype(dtype)} input"):
            F.interpolate(x, scale_factor=2, mode=mode)
    with pytest.raises(ValueError, match="interpolate.*output size"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=0.1)


def test_bilinear_keeps_a_nan_local():
    # PyTorch: only the outputs whose 2x2 source taps include the NaN pixel are NaN (25 of 64
    # here); dense interpolation matrices gave 0 * NaN = NaN over whole rows and columns
    a = np.ones((1, 1, 4, 4), np.float32)
    a[0, 0, 1, 1] = np.nan
    y = F.interpolate(mg.tensor(a), scale_factor=2, mode="bilinear", align_corners=False).numpy()
    nan_rows, nan_cols = np.nonzero(np.isnan(y[0, 0]))
    assert np.isnan(y).sum() == 25
    assert set(nan_rows) == {0, 1, 2, 3, 4} and set(nan_cols) == {0, 1, 2, 3, 4}
    assert np.allclose(y[0, 0, 7], 1.0) and np.allclose(y[0, 0, :, 7], 1.0)


MODES_BY_RANK = {3: [("nearest", None), ("nearest-exact", None), ("linear", False), ("linear", True)],
                 4: [("nearest-exact", None), ("bicubic", False), ("bicubic", True)],
                 5: [("nearest", None), ("nearest-exact", None), ("trilinear", False), ("trilinear", True)]}


@given(rank=st.sampled_from([3, 4, 5]), dtype=st.sampled_from([np.float32, np.float64]),
       how=st.sampled_from(["size", "scale"]), data=st.data())
def test_every_rank_and_mode_matches_pytorch(rank, dtype, how, data):
    """1-D, 2-D and 3-D resampling (nearest, nearest-exact, linear, bicubic, trilinear): values,
    gradients, dtypes and shapes equal PyTorch's; size-1 dims included."""
    mode, align = data.draw(st.sampled_from(MODES_BY_RANK[rank]))
    spatial = tuple(data.draw(st.integers(1, 5)) for _ in range(rank - 2))
    if how == "size":
        kw = dict(size=tuple(data.draw(st.integers(1, 8)) for _ in spatial))
    else:
        sf = data.draw(st.sampled_from([2, 3, 0.5, 1.5, 1.7]))
        if any(int(s * sf) < 1 for s in spatial):
            return
        kw = dict(scale_factor=sf)
    assert_interpolate_matches_pytorch((2, 2) + spatial, dtype, mode, align, **kw)


@given(rank=st.sampled_from([3, 4, 5]), data=st.data())
def test_gradcheck_every_rank_and_mode(rank, data):
    mode, align = data.draw(st.sampled_from([m for m in MODES_BY_RANK[rank] if m[1] is not None]))
    spatial = tuple(data.draw(st.integers(1, 3)) for _ in range(rank - 2))
    size = tuple(data.draw(st.integers(1, 4)) for _ in spatial)
    x = mg.tensor(np.random.default_rng(1).standard_normal((1, 2) + spatial), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, size=size, mode=mode, align_corners=align), (x,))


def test_nearest_exact_and_bicubic_by_hand():
    assert nearest_indices(3, 2, exact=True).tolist() == [0, 2]        # floor((i + 0.5) * 1.5)
    assert nearest_indices(2, 4, exact=True).tolist() == [0, 0, 1, 1]
    # a linear ramp stays a ramp under cubic convolution away from the borders
    y = F.interpolate(mg.tensor(np.arange(8.0).reshape(1, 1, 1, 8)), size=(1, 15), mode="bicubic",
                      align_corners=True)
    np.testing.assert_allclose(y.numpy()[0, 0, 0, 2:-2], np.arange(15)[2:-2] / 2, atol=1e-12)


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("size", [(13, 5), (14, 18), (3, 4), (1, 9)])
def test_bilinear_on_uint8_is_computed_in_float_and_rounded(align, size):
    """PyTorch's uint8 path: one axis at a time, the last first, each rounded half up and
    clamped to 0..255 -- no wrap-around."""
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).integers(0, 256, (2, 3, 7, 9)).astype(np.uint8)
    a[0, 0] = 255
    y = F.interpolate(mg.tensor(a), size=size, mode="bilinear", align_corners=align)
    ty = torch.nn.functional.interpolate(torch.tensor(a), size=size, mode="bilinear", align_corners=align)
    assert y.dtype == np.uint8
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert (y.numpy()[0, 0] == 255).all()


def _torch_uint8_interpolate(a, **kw):
    """PyTorch's uint8 result, or None where PyTorch fails (its AVX path asserts on some
    bicubic shapes) or is wrong: its generic (more than 4 channels) uint8 path gives values
    unrelated to the input when the output width is 1 and the height changes."""
    torch = pytest.importorskip("torch")
    try:
        return torch.nn.functional.interpolate(torch.tensor(a), **kw).numpy()
    except RuntimeError:
        return None


def _spatial_case(data, H, W):
    """A size= or scale_factor= (fractional ones included) keyword and the output size."""
    if data.draw(st.booleans()):
        out = (data.draw(st.integers(1, 13)), data.draw(st.integers(1, 13)))
        return dict(size=out), out
    sf = data.draw(st.sampled_from([0.2, 0.34, 0.5, 0.77, 1.3, 1.5, 1.7, 2.5, 3]))
    out = (int(math.floor(H * sf)), int(math.floor(W * sf)))
    assume(min(out) >= 1)
    return dict(scale_factor=sf), out


UINT8_MODES = [("bilinear", False, False), ("bilinear", True, False), ("bicubic", False, False),
               ("bicubic", True, False), ("bilinear", False, True), ("bilinear", True, True),
               ("bicubic", False, True), ("bicubic", True, True), ("lanczos", False, True)]


@given(C=st.sampled_from([1, 3, 4, 5]), H=st.integers(1, 11), W=st.integers(1, 11),
       mode=st.sampled_from(UINT8_MODES), data=st.data())
def test_uint8_matches_pytorch_bit_for_bit(C, H, W, mode, data):
    """uint8 images, fractional scale factors included: PyTorch's fixed-point weights and
    rounding exactly, on both of PyTorch's uint8 paths (up to 4 channels: AVX2; more: generic)."""
    mode, align, antialias = mode
    kw, out = _spatial_case(data, H, W)
    assume(not (C > 4 and out[1] == 1 and out[0] != H))
    a = np.random.default_rng(data.draw(st.integers(0, 99))).integers(0, 256, (2, C, H, W)).astype(np.uint8)
    expected = _torch_uint8_interpolate(a, mode=mode, align_corners=align, antialias=antialias, **kw)
    assume(expected is not None)
    y = F.interpolate(mg.tensor(a), mode=mode, align_corners=align, antialias=antialias, **kw)
    assert y.dtype == np.uint8 and y.shape == expected.shape
    np.testing.assert_array_equal(y.numpy(), expected)


@pytest.mark.parametrize("shape,kw", [((2, 3, 8, 1), dict(scale_factor=1.7, mode="bilinear", align_corners=False)),
                                      ((2, 1, 5, 7), dict(scale_factor=3.0, mode="bilinear", align_corners=True)),
                                      ((2, 6, 8, 6), dict(size=(13, 2), mode="bilinear", align_corners=False))])
def test_uint8_fractional_scale_regressions(shape, kw):
    """Cases the float-and-round implementation had 1 off PyTorch (fixed-point weights)."""
    a = np.random.default_rng(0).integers(0, 256, shape).astype(np.uint8)
    expected = _torch_uint8_interpolate(a, **kw)
    np.testing.assert_array_equal(F.interpolate(mg.tensor(a), **kw).numpy(), expected)


def test_fixed_point_weights_by_hand():
    # the largest weight sets the precision: 2**p * w_max*2 must stay below 2**15
    w, p = fixed_point(np.array([[0.5, 0.5]]), 0.5)
    assert p == 15 and w.tolist() == [[16384, 16384]]
    w, p = fixed_point(np.array([[1.0, 0.0], [0.3, 0.7]]), 1.0)
    assert p == 14 and w.tolist() == [[16384, 0], [4915, 11469]]
    w, p = fixed_point(np.array([[-0.07, 1.07]]), 1.07)
    assert p == 14 and w.tolist() == [[-1147, 17531]]
    # 2 -> 3 pixels: the middle one is 0.4999... * 24 + 0.5000... * 189 = 106.4999... in float,
    # which rounds to 106; the weights in fixed point are 8192 and 8192 (p = 14), and
    # (8192 * 24 + 8192 * 189 + 8192) >> 14 == 107, PyTorch's answer
    y = F.interpolate(mg.tensor(np.array([[[[24, 189]]]], np.uint8)), size=(1, 3), mode="bilinear",
                      align_corners=False)
    assert y.numpy().ravel().tolist() == [24, 107, 189]


ANTIALIASED = [("bilinear", False), ("bilinear", True), ("bicubic", False), ("bicubic", True), ("lanczos", False)]


@given(N=st.integers(0, 2), H=st.integers(1, 9), W=st.integers(1, 9), mode=st.sampled_from(ANTIALIASED),
       dtype=st.sampled_from([np.float32, np.float64]), data=st.data())
def test_antialias_matches_pytorch(N, H, W, mode, dtype, data):
    """antialias=True (down- and up-sampling, size= and scale_factor=): values, gradients, dtypes
    and shapes equal PyTorch's. Left out: PyTorch's own two inconsistencies, where its forward
    and its backward are not adjoint (``test_antialias_is_its_own_adjoint_where_pytorch_is_not``)."""
    mode, align = mode
    kw, out = _spatial_case(data, H, W)
    assume(not (out[1] == 1 and out[0] != H))
    assume("scale_factor" not in kw or (out[0] != H and out[1] != W))
    assert_interpolate_matches_pytorch((N, 2, H, W), dtype, mode, align, antialias=True, **kw)


@given(H=st.integers(1, 4), W=st.integers(1, 4), mode=st.sampled_from(ANTIALIASED), data=st.data())
def test_gradcheck_antialias(H, W, mode, data):
    mode, align = mode
    size = (data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5)))
    x = mg.tensor(np.random.default_rng(1).standard_normal((1, 2, H, W)), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, size=size, mode=mode, align_corners=align, antialias=True), (x,))
    assert gradgradcheck(lambda t: F.interpolate(t, size=size, mode=mode, align_corners=align,
                                                 antialias=True) ** 2, (x,))


@pytest.mark.parametrize("shape,kw", [((1, 1, 8, 6), dict(size=(13, 1), mode="bilinear", align_corners=True)),
                                      ((1, 4, 2, 9), dict(scale_factor=1.3, mode="bilinear", align_corners=False))])
def test_antialias_is_its_own_adjoint_where_pytorch_is_not(shape, kw):
    """<g, A x> == <A^T g, x> for ours; PyTorch's forward and backward disagree here (its
    forward when the output width is 1, its backward when a scale factor keeps a size), and
    ours equals the other one of the two."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y = F.interpolate(x, antialias=True, **kw)
    ty = torch.nn.functional.interpolate(tx, antialias=True, **kw)
    g = rng.standard_normal(y.shape)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    assert abs((g * y.detach().numpy()).sum() - (x.grad.numpy() * a).sum()) < 1e-12
    assert abs((g * ty.detach().numpy()).sum() - (tx.grad.numpy() * a).sum()) > 1e-3
    if "size" in kw:
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-12)
    else:
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-12)


def test_antialias_by_hand():
    # halving a row with the triangle filter stretched over 2 pixels: weights 1/4, 3/4, 3/4, 1/4
    # around each output centre, normalised at the border
    x = mg.tensor(np.arange(8.0).reshape(1, 1, 1, 8))
    y = F.interpolate(x, size=(1, 4), mode="bilinear", antialias=True).numpy().ravel()
    np.testing.assert_allclose(y, [(0 * 3 + 1 * 3 + 2) / 7, (1 + 2 * 3 + 3 * 3 + 4) / 8,
                                   (3 + 4 * 3 + 5 * 3 + 6) / 8, (5 + 6 * 3 + 7 * 3) / 7])
    # up-sampling: the filter is not stretched, antialias changes only the border handling
    up = F.interpolate(x, size=(1, 16), mode="bilinear", antialias=True).numpy().ravel()
    np.testing.assert_allclose(up[2:-2], F.interpolate(x, size=(1, 16), mode="bilinear",
                                                       align_corners=False).numpy().ravel()[2:-2])


@given(rank=st.sampled_from([3, 4, 5]), N=st.integers(0, 2), dtype=st.sampled_from([np.float32, np.float64]),
       data=st.data())
def test_area_matches_pytorch(rank, N, dtype, data):
    """mode='area' is adaptive average pooling, size= or scale_factor= (the size recomputed)."""
    spatial = tuple(data.draw(st.integers(1, 6)) for _ in range(rank - 2))
    if data.draw(st.booleans()):
        kw = dict(size=tuple(data.draw(st.integers(1, 7)) for _ in spatial))
    else:
        sf = data.draw(st.sampled_from([0.34, 0.5, 0.77, 1.5, 2, 2.5]))
        assume(all(int(s * sf) >= 1 for s in spatial))
        kw = dict(scale_factor=sf)
    assert_interpolate_matches_pytorch((N, 2) + spatial, dtype, "area", None, **kw)


@given(rank=st.sampled_from([3, 4, 5]), data=st.data())
def test_gradcheck_area(rank, data):
    spatial = tuple(data.draw(st.integers(1, 4)) for _ in range(rank - 2))
    size = tuple(data.draw(st.integers(1, 4)) for _ in spatial)
    x = mg.tensor(np.random.default_rng(2).standard_normal((1, 2) + spatial), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, size=size, mode="area"), (x,))
    assert gradgradcheck(lambda t: F.interpolate(t, size=size, mode="area") ** 2, (x,))


def test_area_by_hand():
    x = mg.tensor(np.arange(6.0).reshape(1, 1, 6))
    assert F.interpolate(x, size=2, mode="area").numpy().ravel().tolist() == [1.0, 4.0]
    assert F.interpolate(x, scale_factor=0.5, mode="area").numpy().ravel().tolist() == [0.5, 2.5, 4.5]


@pytest.mark.parametrize("mode", ["linear", "bilinear", "trilinear"])
def test_linear_copies_an_axis_whose_size_a_scale_factor_keeps(mode):
    """floor(3 * 1.2) == 3: PyTorch copies that axis rather than sampling it at 1/1.2 steps."""
    rank = {"linear": 3, "bilinear": 4, "trilinear": 5}[mode]
    assert_interpolate_matches_pytorch((1, 2) + (3,) * (rank - 2), np.float64, mode, False, scale_factor=1.2)


def test_an_empty_channel_dim_is_refused_except_by_area_as_pytorch():
    """PyTorch's upsampling kernels take an empty batch but no other empty dim; 'area' is an
    adaptive average pooling, which takes empty channels. 0 channels were accepted."""
    for mode, shape in (("nearest", (2, 0, 4, 4)), ("bilinear", (2, 0, 4, 4)), ("linear", (2, 0, 4))):
        with pytest.raises(RuntimeError, match=rf"^interpolate: expected a non-empty {len(shape)}-D input .*"
                                               rf"mode '{mode}', got input of shape \(2, 0, 4"):
            F.interpolate(mg.zeros(*shape), scale_factor=2, mode=mode)
    assert F.interpolate(mg.zeros(2, 0, 4, 4), scale_factor=2, mode="area").shape == (2, 0, 8, 8)
    assert F.interpolate(mg.zeros(0, 3, 4, 4), scale_factor=2, mode="bilinear").shape == (0, 3, 8, 8)
