"""nn/functional/conv.py: im2col as ops (F.unfold, F.fold), conv3d and conv_transpose3d,
conv_transpose1d.

Against PyTorch (values, gradients, dtypes, shapes), gradcheck and gradgradcheck in float64
over Hypothesis shapes (size-1 and empty-batch dims included), the cpu kernels against
``reference``, and bad input."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.kernels as kernels
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck
from tests.torch_oracle import torch_check

small = st.integers(1, 3)
seeds = st.integers(0, 2 ** 16)


@st.composite
def block_case(draw):
    """An image shape and unfold arguments with at least one sliding block."""
    n, c = draw(st.integers(0, 2)), draw(small)
    k = (draw(small), draw(small))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    s = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    hw = tuple(max(1, d[a] * (k[a] - 1) + 1 - 2 * p[a]) + draw(st.integers(0, 2)) for a in range(2))
    return (n, c) + hw, dict(kernel_size=k, dilation=d, padding=p, stride=s)


@given(case=block_case(), seed=seeds)
def test_gradcheck_unfold_and_fold(case, seed):
    shape, kw = case
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda x: F.unfold(x, **kw), [x])
    assert gradgradcheck(lambda x: F.unfold(x, **kw), [x])
    cols = mg.tensor(rng.standard_normal(tuple(F.unfold(x, **kw).shape)), requires_grad=True)
    assert gradcheck(lambda c: F.fold(c, shape[2:], **kw), [cols])
    assert gradgradcheck(lambda c: F.fold(c, shape[2:], **kw), [cols])


@given(case=block_case(), seed=seeds)
def test_fold_is_the_adjoint_of_unfold(case, seed):
    """<unfold(x), c> == <x, fold(c)> for every x and c: fold is unfold's transpose."""
    shape, kw = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    u = F.unfold(mg.tensor(x), **kw)
    c = rng.standard_normal(tuple(u.shape))
    f = F.fold(mg.tensor(c), shape[2:], **kw)
    assert f.shape == shape
    np.testing.assert_allclose((u.data * c).sum(), (x * f.data).sum(), rtol=1e-10, atol=1e-10)


@given(case=block_case(), seed=seeds)
def test_cpu_variant_matches_reference(case, seed):
    """(The cuda variant: tests/cuda_sim/test_conv_pool_cuda.py, in the simulator.)"""
    shape, kw = case
    variant = "cpu"
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.standard_normal(shape))
    with kernels.use("reference"):
        u_ref = F.unfold(x, **kw)
        f_ref = F.fold(u_ref, shape[2:], **kw)
    with kernels.use(variant):
        u = F.unfold(x, **kw)
        f = F.fold(u_ref, shape[2:], **kw)
    np.testing.assert_array_equal(u.data, u_ref.data)
    np.testing.assert_allclose(f.data, f_ref.data, rtol=1e-12, atol=1e-12)


CASES = [((2, 3, 7, 6), dict(kernel_size=(3, 2), dilation=(1, 2), padding=(1, 0), stride=(2, 1))),
         ((1, 2, 5, 5), dict(kernel_size=3, padding=1)),
         ((2, 1, 1, 1), dict(kernel_size=1)),
         ((3, 4, 4), dict(kernel_size=2, stride=2)),               # unbatched
         ((0, 2, 3, 3), dict(kernel_size=2))]


@pytest.mark.parametrize("shape,kw", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_pytorch(shape, kw, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape).astype(dtype)
    x, t = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = F.unfold(x, **kw), torch.nn.functional.unfold(t, **kw)
    assert y.shape == tuple(ty.shape) and y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    g = rng.standard_normal(tuple(ty.shape)).astype(dtype)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-6, atol=1e-6)
    c = mg.tensor(g, requires_grad=True)
    tc = torch.tensor(g, requires_grad=True)
    f, tf = F.fold(c, shape[-2:], **kw), torch.nn.functional.fold(tc, shape[-2:], **kw)
    assert f.shape == tuple(tf.shape) and f.dtype == np.dtype(dtype)
    np.testing.assert_allclose(f.data, tf.detach().numpy(), rtol=1e-6, atol=1e-6)
    f.backward(mg.tensor(a))
    tf.backward(torch.tensor(a))
    np.testing.assert_array_equal(c.grad.data, tc.grad.numpy())


def test_unfold_values_by_hand():
    x = mg.tensor(np.arange(9.0).reshape(1, 1, 3, 3))
    np.testing.assert_array_equal(F.unfold(x, 2).data[0], [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]])
    np.testing.assert_array_equal(F.fold(mg.ones(1, 4, 4), (3, 3), 2).data[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_errors_name_the_op_and_values():
    with pytest.raises(RuntimeError, match=r"unfold: input of spatial size \(3, 3\) with kernel_size=\(4, 4\)"):
        F.unfold(mg.ones(1, 2, 3, 3), 4)
    with pytest.raises(RuntimeError, match=r"unfold: expected a 3-D .* shape \(2, 3\)"):
        F.unfold(mg.ones(2, 3), 2)
    with pytest.raises(RuntimeError, match="unfold: padding should be non-negative"):
        F.unfold(mg.ones(1, 2, 3, 3), 2, padding=-1)
    with pytest.raises(RuntimeError, match="unfold: kernel_size should be greater than zero"):
        F.unfold(mg.ones(1, 2, 3, 3), 0)
    with pytest.raises(RuntimeError, match="unfold: expected a floating-point or bool input, got int64"):
        F.unfold(mg.ones(1, 2, 3, 3, dtype=mg.int64), 2)
    with pytest.raises(RuntimeError, match=r"unfold: expected input to have non-zero size for non-batch "
                                           r"dimensions, but input has shape \(1, 0, 3, 3\) with dimension 1"):
        F.unfold(mg.ones(1, 0, 3, 3), 2)
    with pytest.raises(TypeError, match="unfold: input must be a Tensor, got ndarray"):
        F.unfold(np.ones((1, 1, 3, 3)), 2)
    with pytest.raises(RuntimeError, match=r"unfold: dilation should be greater than zero, got dilation=\(1, 0\)"):
        F.unfold(mg.ones(1, 2, 3, 3), 2, dilation=(1, 0))
    with pytest.raises(RuntimeError, match=r"fold: input of shape \(1, 7, 4\): its channel dim 7"):
        F.fold(mg.ones(1, 7, 4), (3, 3), 2)
    with pytest.raises(RuntimeError, match=r"fold: output_size=\(3, 3\).* give 2 \* 2 sliding blocks, "
                                           r"but input of shape \(1, 8, 5\) has 5"):
        F.fold(mg.ones(1, 8, 5), (3, 3), 2)
    with pytest.raises(RuntimeError, match=r"fold: expected a 2-D .* \(1, 1, 8, 4\)"):
        F.fold(mg.ones(1, 1, 8, 4), 3, 2)
    with pytest.raises(ValueError, match=r"fold: output_size must be an int or a tuple of 2 ints, got \(3,\)"):
        F.fold(mg.ones(1, 8, 4), (3,), 2)
    with pytest.raises(TypeError, match=r"fold: output_size must be an int or a tuple of 2 ints, got 3.5 \(float\)"):
        F.fold(mg.ones(1, 8, 4), 3.5, 2)
    with pytest.raises(ValueError, match=r"fold: kernel_size must be an int or a tuple of 2 ints, got \(2, 2, 2\)"):
        F.fold(mg.ones(1, 8, 4), (3, 3), (2, 2, 2))
    with pytest.raises(RuntimeError, match=r"fold: stride should be greater than zero, got stride=\(0, 0\)"):
        F.fold(mg.ones(1, 8, 4), (3, 3), 2, stride=0)
    with pytest.raises(RuntimeError, match=r"fold: padding should be non-negative, got padding=\(-1, -1\)"):
        F.fold(mg.ones(1, 8, 4), (3, 3), 2, padding=-1)
    with pytest.raises(RuntimeError, match="fold: expected a floating-point or bool input, got int64"):
        F.fold(mg.ones(1, 8, 4, dtype=mg.int64), (3, 3), 2)
    with pytest.raises(RuntimeError, match=r"fold: expected input to have non-zero size .* \(1, 8, 0\) with "
                                           r"dimension 2 being empty"):
        F.fold(mg.ones(1, 8, 0), (3, 3), 2)


# ---------------------------------------------------------------- conv3d, conv_transpose3d

@st.composite
def conv3d_case(draw):
    """Shapes and arguments of a 3-D convolution whose output is not empty."""
    groups = draw(st.integers(1, 2))
    n, cin, cout = draw(st.integers(0, 2)), groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 2)) for _ in range(3))
    s = tuple(draw(st.integers(1, 2)) for _ in range(3))
    d = tuple(draw(st.integers(1, 2)) for _ in range(3))
    p = tuple(draw(st.integers(0, 1)) for _ in range(3))
    size = tuple(max(1, d[a] * (k[a] - 1) + 1 - 2 * p[a]) + draw(st.integers(0, 1)) for a in range(3))
    return (n, cin) + size, (cout, cin // groups) + k, dict(stride=s, padding=p, dilation=d, groups=groups)


@given(case=conv3d_case(), bias=st.booleans(), seed=seeds)
def test_gradcheck_conv3d_and_conv_transpose3d(case, bias, seed):
    xs, ws, kw = case
    rng = np.random.default_rng(seed)
    x, w = (mg.tensor(rng.standard_normal(s), requires_grad=True) for s in (xs, ws))
    b = [mg.tensor(rng.standard_normal(ws[0]), requires_grad=True)] if bias else []
    assert gradcheck(lambda x, w, *b: F.conv3d(x, w, *b, **kw), [x, w] + b)
    y = F.conv3d(x, w, *b, **kw)
    # conv_transpose3d maps y's shape back onto x's: weight (C_out, C_in/groups, ...) read transposed
    wt = mg.tensor(rng.standard_normal((ws[0], ws[1]) + ws[2:]), requires_grad=True)
    gy = mg.tensor(rng.standard_normal(tuple(y.shape)), requires_grad=True)
    opad = tuple(xs[2 + a] - ((y.shape[2 + a] - 1) * kw["stride"][a] - 2 * kw["padding"][a]
                              + kw["dilation"][a] * (ws[2 + a] - 1) + 1) for a in range(3))
    tkw = dict(stride=kw["stride"], padding=kw["padding"], dilation=kw["dilation"], groups=kw["groups"],
               output_padding=opad)
    assert F.conv_transpose3d(gy, wt, **tkw).shape == xs[:1] + (ws[1] * kw["groups"],) + xs[2:]
    assert gradcheck(lambda g, w: F.conv_transpose3d(g, w, **tkw), [gy, wt])


def test_gradgradcheck_conv3d_and_conv_transpose3d():
    rng = np.random.default_rng(5)
    x, w = mg.tensor(rng.standard_normal((1, 2, 3, 3, 2)), requires_grad=True), \
        mg.tensor(rng.standard_normal((2, 1, 2, 2, 1)), requires_grad=True)
    assert gradgradcheck(lambda x, w: F.conv3d(x, w, stride=(2, 1, 1), padding=1, groups=2), [x, w])
    assert gradgradcheck(lambda x, w: F.conv_transpose3d(x, w, stride=(2, 1, 1), groups=2,
                                                         output_padding=(1, 0, 0)), [x, w])


CONV3D = [("conv3d", (2, 4, 5, 6, 4), (6, 2, 3, 2, 3), dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2)),
          ("conv3d", (1, 2, 4, 4, 4), (3, 2, 2, 3, 2), dict(padding="same", dilation=(1, 1, 2))),
          ("conv3d", (2, 3, 3, 3), (2, 2, 1, 1, 1), dict(padding="valid")),           # unbatched
          ("conv3d", (2, 1, 1, 1, 1), (1, 1, 1, 1, 1), {}),
          ("conv3d", (0, 2, 3, 3, 3), (2, 2, 2, 2, 2), dict(padding=1)),
          ("conv_transpose3d", (2, 4, 3, 4, 2), (4, 3, 3, 2, 3),
           dict(stride=(2, 1, 2), padding=(1, 0, 1), output_padding=(1, 0, 1), dilation=(1, 2, 1), groups=2)),
          ("conv_transpose3d", (1, 2, 3, 3, 3), (2, 1, 2, 2, 2), dict(output_padding=(1, 0, 0), dilation=(3, 1, 1))),
          ("conv_transpose3d", (2, 3, 2, 2), (2, 2, 1, 1, 1), {})]


@pytest.mark.parametrize("name,xs,ws,kw", CONV3D)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv3d_matches_pytorch(name, xs, ws, kw, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    cout = ws[0] if name == "conv3d" else ws[1] * kw.get("groups", 1)
    arrays = [rng.standard_normal(s).astype(dtype) for s in (xs, ws, (cout,))]
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = getattr(F, name)(*ours, **kw), getattr(torch.nn.functional, name)(*theirs, **kw)
    assert y.shape == tuple(ty.shape) and y.dtype == np.dtype(dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **tol)
    g = rng.standard_normal(tuple(ty.shape)).astype(dtype)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), **tol)


def test_conv3d_errors_name_the_op_and_values():
    with pytest.raises(RuntimeError, match=r"conv3d: expected a 4-D \(unbatched\) or 5-D .* \(1, 2, 3, 3\)|"
                                           r"conv3d: input of shape \(1, 2, 3, 3\)"):
        F.conv3d(mg.ones(1, 2, 3, 3), mg.ones(1, 2, 1, 1, 1))
    with pytest.raises(RuntimeError, match=r"conv3d: expected a 5-D weight, got weight of shape \(1, 2, 1, 1\)"):
        F.conv3d(mg.ones(1, 2, 3, 3, 3), mg.ones(1, 2, 1, 1))
    with pytest.raises(RuntimeError, match=r"conv3d: input of shape \(1, 3, 3, 3, 3\) has 3 channels"):
        F.conv3d(mg.ones(1, 3, 3, 3, 3), mg.ones(1, 2, 1, 1, 1))
    with pytest.raises(RuntimeError, match=r"conv3d: kernel size \(4, 1, 1\) .* larger than the padded input"):
        F.conv3d(mg.ones(1, 2, 3, 3, 3), mg.ones(1, 2, 4, 1, 1))
    with pytest.raises(RuntimeError, match="conv3d: padding='same' is not supported for strided"):
        F.conv3d(mg.ones(1, 2, 3, 3, 3), mg.ones(1, 2, 1, 1, 1), stride=2, padding="same")
    with pytest.raises(RuntimeError, match=r"conv_transpose3d: output_padding \(2, 0, 0\) must be smaller"):
        F.conv_transpose3d(mg.ones(1, 2, 3, 3, 3), mg.ones(2, 1, 1, 1, 1), stride=2, output_padding=(2, 0, 0))
    with pytest.raises(RuntimeError, match=r"conv_transpose3d: input of shape \(1, 3, 3, 3, 3\) has 3 channels"):
        F.conv_transpose3d(mg.ones(1, 3, 3, 3, 3), mg.ones(2, 1, 1, 1, 1))


# ---------------------------------------------------------------- conv_transpose1d

CONV_TRANSPOSE1D = [([(2, 3, 5), (3, 4, 3), (4,)], dict(stride=2, padding=1, output_padding=1)),
                    ([(2, 4, 5), (4, 1, 2)], dict(groups=2, dilation=2)),
                    ([(3, 1), (3, 2, 1)], {})]                                          # unbatched


@pytest.mark.parametrize("shapes,kw", CONV_TRANSPOSE1D)
def test_conv_transpose1d_matches_pytorch_and_gradchecks(shapes, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    torch_check(lambda *t: F.conv_transpose1d(*t, **kw), lambda *t: torch.nn.functional.conv_transpose1d(*t, **kw),
                arrays, rtol=1e-12, atol=1e-12)
    tensors = [mg.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *t: F.conv_transpose1d(*t, **kw), tensors)
    assert gradgradcheck(lambda *t: F.conv_transpose1d(*t, **kw), tensors)


def test_conv_transpose1d_errors_name_the_op_and_values():
    with pytest.raises(RuntimeError, match=r"conv_transpose1d: expected a 3-D weight, got weight of shape \(2, 2, 1, 1\)"):
        F.conv_transpose1d(mg.ones(1, 2, 3), mg.ones(2, 2, 1, 1))


def test_every_convolution_names_itself_not_the_conv2d_it_runs_on():
    cases = [
        (lambda: F.conv1d(mg.ones(2, 4, 7), mg.ones(3, 4, 3), dilation=0), RuntimeError,
         r"^conv1d: stride \(1,\) and dilation \(0,\) must be positive$"),
        (lambda: F.conv1d(mg.ones(2, 4, 7), mg.ones(3, 4, 3), groups=2.0), TypeError, r"^conv1d: groups must be an int"),
        (lambda: F.conv1d(mg.ones(2, 4, 7), mg.ones(3, 4, 3), mg.ones(1)), RuntimeError,
         r"^conv1d: bias of shape \(1,\) does not match 3 output channels"),
        (lambda: F.conv1d(mg.ones(2, 0, 7), mg.ones(3, 4, 3)), RuntimeError,
         r"^conv1d: input of shape \(2, 0, 7\) has 0 channels, but weight of shape \(3, 4, 3\) with groups=1 expects 4$"),
        (lambda: F.conv1d(mg.ones(2, 4, 2), mg.ones(3, 4, 3)), RuntimeError, r"^conv1d: kernel size \(1, 3\)"),
        (lambda: F.conv1d(mg.ones(2, 4, 7), mg.ones(3, 4, 3), bias=1.5), TypeError,
         r"^conv1d: bias must be a Tensor, got float$"),
        (lambda: F.conv_transpose1d(mg.ones(2, 3), True), TypeError, r"^conv_transpose1d: weight must be a Tensor, got bool$"),
        (lambda: F.conv_transpose1d(mg.ones(2, 4, 5), mg.ones(3, 2, 2)), RuntimeError,
         r"^conv_transpose1d: input of shape \(2, 4, 5\) has 4 channels, but weight of shape \(3, 2, 2\) expects 3$"),
        (lambda: F.conv3d(mg.ones(2, 4, 3, 4, 5), mg.ones(3, 4, 0, 2, 2)), RuntimeError,
         r"^conv3d: weight of shape \(3, 4, 0, 2, 2\) is empty$"),
        (lambda: F.conv3d(mg.ones(2, 4, 3, 4, 5), mg.ones(3, 4, 2, 2, 2), stride=10 ** 20), ValueError,
         r"^conv3d: stride must fit in int64, got 100000000000000000000$"),
        (lambda: F.conv3d(mg.ones(2, 4, 3, 4, 5), mg.ones(3, 4, 2, 2, 2), bias="x"), TypeError,
         r"^conv3d: bias must be a Tensor, got str$"),
        (lambda: F.conv_transpose3d(mg.ones(2, 4, 3, 4, 5), mg.ones(4, 0, 2, 2, 2)), RuntimeError,
         r"^conv_transpose3d: weight of shape \(4, 0, 2, 2, 2\) is empty$"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()


@pytest.mark.parametrize("op, x, w", [("conv2d", (2, 4, 0, 6), (3, 4, 3, 3)), ("conv3d", (2, 4, 0, 4, 5), (3, 4, 2, 2, 2)),
                                      ("conv_transpose1d", (2, 4, 0), (4, 3, 2)),
                                      ("conv_transpose2d", (2, 4, 0, 6), (4, 3, 3, 3)),
                                      ("conv_transpose3d", (2, 4, 0, 4, 5), (4, 3, 2, 2, 2))])
def test_an_empty_spatial_dim_is_refused_as_pytorch_refuses_it(op, x, w):
    """Only the batch (or the channels) may be empty; padding would otherwise make an output out
    of nothing."""
    with pytest.raises(RuntimeError, match=rf"^{op}: only zero batch or zero channel inputs are supported, "
                                           rf"but got input of shape \({', '.join(map(str, x))}\)$"):
        getattr(F, op)(mg.ones(*x), mg.ones(*w), padding=0 if "transpose" in op else 2)
    assert getattr(F, op)(mg.ones(0, *x[1:]), mg.ones(*w), padding=0 if "transpose" in op else 2).shape[0] == 0


@pytest.mark.parametrize("op, x, w, padding", [("conv_transpose3d", (2, 4, 3, 4, 5), (4, 3, 2, 2, 2), 2),
                                               ("conv_transpose3d", (2, 4, 3, 4, 5), (4, 3, 2, 2, 2), (1, 2, 3)),
                                               ("conv_transpose2d", (2, 4, 3, 4), (4, 3, 2, 2), (2, 0)),
                                               ("conv_transpose1d", (2, 4, 3), (4, 3, 2), 2)])
def test_a_transposed_convolution_with_an_output_size_of_0_is_empty_as_pytorchs(op, x, w, padding):
    """An output size of 0 along a dim gives a batched input an empty output (gradients zero);
    an unbatched input, or a negative size, raises."""
    torch = pytest.importorskip("torch")
    from tests.torch_oracle import raises_as_torch

    xs, ws, b = mg.ones(*x, requires_grad=True), mg.ones(*w, requires_grad=True), mg.ones(w[1], requires_grad=True)
    out = getattr(F, op)(xs, ws, b, padding=padding)
    theirs = getattr(torch.nn.functional, op)(torch.ones(*x), torch.ones(*w), torch.ones(w[1]), padding=padding)
    assert tuple(out.shape) == tuple(theirs.shape) and out.numel() == 0 and out.dtype == mg.float32
    out.sum().backward()
    assert xs.grad.abs().sum().item() == ws.grad.abs().sum().item() == b.grad.abs().sum().item() == 0.0
    raises_as_torch(lambda m: getattr(m.nn.functional, op)(m.ones(*x), m.ones(*w), padding=3),
                    rf"^{op}: the output size \(.*-.*\) is negative")
    raises_as_torch(lambda m: getattr(m.nn.functional, op)(m.ones(*x[1:]), m.ones(*w), padding=padding),
                    rf"^{op}: the output size \(.*0.*\) is too small for an unbatched input")


def test_a_one_element_size_stands_for_every_dim_as_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    cases = [("conv2d", (2, 4, 6, 6), (3, 4, 3, 3), dict(dilation=(2,), padding=(1,), stride=(2,))),
             ("conv3d", (1, 2, 5, 5, 5), (3, 2, 2, 2, 2), dict(stride=(2,), padding=(1,))),
             ("conv_transpose2d", (2, 4, 5, 5), (4, 3, 3, 3), dict(stride=(2,), padding=(1,), output_padding=(1,))),
             ("conv_transpose3d", (1, 2, 3, 3, 3), (2, 3, 2, 2, 2), dict(stride=(2,), dilation=(1,)))]
    for op, xs, ws, kw in cases:
        x, w = rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)
        ours = getattr(F, op)(mg.tensor(x), mg.tensor(w), **kw).numpy()
        theirs = getattr(torch.nn.functional, op)(torch.tensor(x), torch.tensor(w), **kw).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5, err_msg=op)


def test_fold_and_unfold_take_bools_and_name_an_overflowing_size():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    cols = rng.random((1, 4, 4)) > 0.6
    ours = F.fold(mg.tensor(cols), (3, 3), 2)
    assert ours.dtype == mg.bool
    np.testing.assert_array_equal(ours.numpy(), torch.nn.functional.fold(torch.tensor(cols), (3, 3), 2).numpy())
    image = rng.random((1, 1, 4, 4)) > 0.5
    ours = F.unfold(mg.tensor(image), 2)
    assert ours.dtype == mg.bool
    np.testing.assert_array_equal(ours.numpy(), torch.nn.functional.unfold(torch.tensor(image), 2).numpy())
    with pytest.raises(RuntimeError, match=r"^fold: expected a floating-point or bool input, got int64$"):
        F.fold(mg.ones(1, 4, 4, dtype=mg.int64), (3, 3), 2)
    with pytest.raises(ValueError, match=r"^fold: stride must fit in int64, got 100000000000000000000$"):
        F.fold(mg.ones(1, 4, 4), (3, 3), 2, stride=10 ** 20)
    with pytest.raises(ValueError, match=r"^unfold: padding must fit in int64, got \(1, 100000000000000000000\)$"):
        F.unfold(mg.ones(1, 1, 4, 4), 2, padding=(1, 10 ** 20))
