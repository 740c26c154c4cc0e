"""F.interpolate against PyTorch (values, output sizes, gradients), gradcheck, errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.nn import functional as F
from minigrad.nn.functional.resample import nearest_indices


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
    with pytest.raises(NotImplementedError, match="interpolate: mode 'area' is not supported"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=2, mode="area")
    with pytest.raises(NotImplementedError, match=r"interpolate: only 3-D, 4-D and 5-D .* \(1, 4\)"):
        F.interpolate(mg.zeros(1, 4), scale_factor=2)
    with pytest.raises(ValueError, match="interpolate: align_corners may only be set .* 'nearest-exact'"):
        F.interpolate(mg.zeros(1, 1, 2), scale_factor=2, mode="nearest-exact", align_corners=True)
    with pytest.raises(ValueError, match=r"interpolate: scale_factor \(2, 2, 2\) must be one or 2 positive"):
        F.interpolate(mg.zeros(1, 1, 2, 2), scale_factor=(2, 2, 2))
    with pytest.raises(NotImplementedError, match="interpolate: mode 'bicubic' on uint8 input"):
        F.interpolate(mg.zeros(1, 1, 2, 2, dtype=mg.uint8), scale_factor=2, mode="bicubic")
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
