"""Scaled dot-product attention: every variant equals the reference (outputs and every
gradient, masks, causal, L != S), the composite passes gradcheck and gradgradcheck, PyTorch
agrees, bad input raises errors that name the values."""
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import kernels
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.kernels.attention import (_BLAS_SERIAL_MNK, BLOCK_K, BLOCK_Q, CACHE_BYTES, _blocks,
                                        attention_composite)
from minigrad.nn.functional import scaled_dot_product_attention as sdpa



def _inputs(rng, batch, L, S, E, Ev, dtype):
    return [mg.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
            for s in (batch + (L, E), batch + (S, E), batch + (S, Ev))]


def _mask(rng, kind, shape, dtype):
    if kind == "none":
        return None
    if kind == "bool":
        m = rng.random(shape) > 0.3
        m[..., 0] = True                      # every query sees key 0: no fully masked row
        return mg.tensor(m)
    return mg.tensor(rng.standard_normal(shape).astype(dtype))


def _run(variant, q, k, v, g, **kw):
    for t in (q, k, v):
        t.grad = None
    with kernels.use(variant):
        out = sdpa(q, k, v, **kw)
        out.backward(g)
    return [out.data, q.grad.data, k.grad.data, v.grad.data]


@given(st.data())
def test_fused_equals_reference(data):
    batch = data.draw(st.sampled_from([(), (3,), (2, 2)]))
    L = data.draw(st.sampled_from([1, 3, 17, BLOCK_Q + 5]))
    S = data.draw(st.sampled_from([1, 4, 19, BLOCK_K + 3]))
    E, Ev = data.draw(st.sampled_from([1, 8])), data.draw(st.sampled_from([1, 5]))
    kind = data.draw(st.sampled_from(["none", "bool", "float"]))
    mshape = data.draw(st.sampled_from([(L, S), batch + (1, S), batch + (L, S), (1, 1)]))
    causal = kind == "none" and data.draw(st.booleans())     # PyTorch refuses a mask with is_causal
    dtype = data.draw(st.sampled_from([np.float64, np.float32]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    q, k, v = _inputs(rng, batch, L, S, E, Ev, dtype)
    g = mg.tensor(rng.standard_normal(batch + (L, Ev)).astype(dtype))
    kw = dict(attn_mask=_mask(rng, kind, mshape, dtype), is_causal=causal)
    ref = _run("reference", q, k, v, g, **kw)
    tol = 1e-10 if dtype == np.float64 else 2e-5
    for variant in ("cpu", "composite"):
        got = _run(variant, q, k, v, g, **kw)
        for name, a, b in zip(("out", "dq", "dk", "dv"), got, ref):
            assert a.dtype == dtype, name
            np.testing.assert_allclose(a, b, rtol=tol * 10, atol=tol, err_msg=f"{variant} {name}")


@pytest.mark.parametrize("variant", ["cpu", "reference", "composite"])
def test_fully_masked_rows_give_zero_and_no_gradient_as_pytorch(variant):
    rng = np.random.default_rng(1)
    q, k, v = _inputs(rng, (2,), 4, 6, 3, 2, np.float64)
    mask = np.ones((4, 6), dtype=bool)
    mask[2] = False                                   # query 2 may attend nothing
    g = rng.standard_normal((2, 4, 2))
    out, dq, dk, dv = _run(variant, q, k, v, mg.tensor(g), attn_mask=mg.tensor(mask))
    assert (out[:, 2] == 0).all() and (dq[:, 2] == 0).all()
    assert np.isfinite(out).all() and np.isfinite(dq).all() and np.isfinite(dk).all() and np.isfinite(dv).all()
    torch = pytest.importorskip("torch")
    tq, tk, tv = (torch.tensor(t.data, requires_grad=True) for t in (q, k, v))
    tout = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.tensor(mask))
    tout.backward(torch.tensor(g))
    for name, a, b in zip(("out", "dq", "dk", "dv"), (out, dq, dk, dv), (tout, tq.grad, tk.grad, tv.grad)):
        np.testing.assert_allclose(a, b.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("variant", ["cpu", "reference", "composite"])
@pytest.mark.parametrize("where", ["q", "k", "v", "masked k"])
def test_nan_in_inputs_reaches_outputs_as_pytorch(variant, where, dtype):
    """A NaN in k makes every output NaN (every query scores that key), also when the key is
    masked (the mask is added to the scores, as PyTorch 2.13 does); a NaN in q only its row;
    a NaN in v the outputs of that feature. (The float32 cpu kernel's exp used to turn NaN
    into 0, so a NaN key gave finite outputs.)"""
    rng = np.random.default_rng(2)
    arrs = [rng.standard_normal(s).astype(dtype) for s in ((1, 3, 2), (1, 4, 2), (1, 4, 2))]
    i = {"q": 0, "k": 1, "masked k": 1, "v": 2}[where]
    arrs[i][0, 1, 0] = np.nan
    mask = np.ones((3, 4), dtype=bool)
    if where == "masked k":
        mask[:, 1] = False
    with kernels.use(variant), mg.no_grad():
        out = sdpa(*(mg.tensor(a) for a in arrs), attn_mask=mg.tensor(mask)).data
    torch = pytest.importorskip("torch")
    want = torch.nn.functional.scaled_dot_product_attention(*(torch.tensor(a) for a in arrs),
                                                            attn_mask=torch.tensor(mask)).numpy()
    np.testing.assert_array_equal(np.isnan(out), np.isnan(want))
    assert np.isnan(out).any()
    np.testing.assert_allclose(out[~np.isnan(out)], want[~np.isnan(want)], rtol=1e-10 if dtype == np.float64 else 1e-5)


def test_causal_with_L_not_S_is_top_left_and_matches_explicit_mask():
    rng = np.random.default_rng(2)
    for L, S in ((3, 7), (9, 4)):
        q, k, v = _inputs(rng, (2,), L, S, 4, 3, np.float64)
        tril = mg.tensor(np.tril(np.ones((L, S), dtype=bool)))
        with mg.no_grad():
            a = sdpa(q, k, v, is_causal=True).data
            b = sdpa(q, k, v, attn_mask=tril).data
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a[:, 0], v.data[:, 0], rtol=1e-12)   # query 0 sees only key 0


def test_composite_gradcheck_including_float_mask():
    rng = np.random.default_rng(3)
    q, k, v = _inputs(rng, (2,), 3, 4, 3, 2, np.float64)
    m = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda q, k, v, m: attention_composite(q, k, v, m, is_causal=True, scale=0.7),
                     (q, k, v, m))
    assert gradgradcheck(lambda q, k, v: attention_composite(q, k, v), (q, k, v))


def test_fused_gradcheck_and_float_mask_gradient_through_composite():
    rng = np.random.default_rng(4)
    q, k, v = _inputs(rng, (2,), 5, 3, 2, 2, np.float64)
    assert gradcheck(lambda q, k, v: sdpa(q, k, v, is_causal=True), (q, k, v))
    m = mg.tensor(rng.standard_normal((5, 3)), requires_grad=True)    # routed to the composite
    assert gradcheck(lambda q, k, v, m: sdpa(q, k, v, attn_mask=m), (q, k, v, m))


@pytest.mark.parametrize("causal", [False, True])
def test_fused_higher_order_gradients_through_composite(causal):
    rng = np.random.default_rng(5)
    q, k, v = _inputs(rng, (2,), 3, 4, 2, 2, np.float64)
    mask = None if causal else mg.tensor(rng.random((3, 4)) > 0.3)
    assert gradgradcheck(lambda q, k, v: sdpa(q, k, v, attn_mask=mask, is_causal=causal), (q, k, v))


def test_dropout_uses_seeded_composite():
    rng = np.random.default_rng(6)
    q, k, v = _inputs(rng, (2,), 4, 5, 3, 3, np.float64)
    mg.manual_seed(7)
    a = sdpa(q, k, v, dropout_p=0.5).data
    mg.manual_seed(7)
    b = sdpa(q, k, v, dropout_p=0.5).data
    np.testing.assert_array_equal(a, b)
    with mg.no_grad():
        c = sdpa(q, k, v).data
    assert not np.allclose(a, c)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("mask", ["none", "bool", "float"])
def test_matches_pytorch(causal, mask):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    L, S = (6, 9)
    arrs = [rng.standard_normal(s) for s in ((2, 3, L, 4), (2, 3, S, 4), (2, 3, S, 5))]
    m = None if mask == "none" else _mask(rng, mask, (3, L, S), np.float64)
    if causal and m is not None:
        m = None                                           # PyTorch refuses both at once
    ours = [mg.tensor(a, requires_grad=True) for a in arrs]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrs]
    out = sdpa(*ours, attn_mask=m, is_causal=causal, scale=0.3)
    ref = torch.nn.functional.scaled_dot_product_attention(
        *theirs, attn_mask=None if m is None else torch.tensor(m.data), is_causal=causal, scale=0.3)
    g = rng.standard_normal(out.shape)
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_bad_input_names_the_values():
    q, k, v = (mg.zeros(2, 3, 4), mg.zeros(2, 5, 4), mg.zeros(2, 5, 6))
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(3, 4\).*\(2, 3, 5\)"):
        sdpa(q, k, v, attn_mask=mg.ones(3, 4).bool())
    with pytest.raises(RuntimeError, match=r"\(2, 3, 4\).*\(2, 5, 3\).*4 and 3"):
        sdpa(q, mg.zeros(2, 5, 3), v)
    with pytest.raises(RuntimeError, match=r"\(2, 5, 4\).*\(2, 6, 6\).*5 and 6"):
        sdpa(q, k, mg.zeros(2, 6, 6))
    with pytest.raises(RuntimeError, match="same floating dtype, got float32, float64 and float32"):
        sdpa(q, k.double(), v)
    with pytest.raises(RuntimeError, match="attn_mask must be bool or float"):
        sdpa(q, k, v, attn_mask=mg.ones(3, 5).long())
    with pytest.raises(TypeError, match=r"scaled_dot_product_attention: dropout_p must be a number, got True"):
        sdpa(q, k, v, dropout_p=True)
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention: dropout probability has to be "
                                           r"between 0 and 1, got dropout_p=1.5"):
        sdpa(q, k, v, dropout_p=1.5)


def test_dropout_p_one_drops_everything_as_pytorch():
    q, k, v = (mg.ones(2, 3, 4), mg.ones(2, 5, 4), mg.ones(2, 5, 6))
    assert np.array_equal(sdpa(q, k, v, dropout_p=1.0).numpy(), np.zeros((2, 3, 6), np.float32))


def test_fused_forward_allocates_no_L_by_S_array():
    """tracemalloc sees every NumPy allocation of the dispatch (the mask is never broadcast);
    the kernel's own blocks are Numba allocations, measured by benchmarks/attention.py."""
    L = S = 1024
    rng = np.random.default_rng(9)
    q, k, v = (mg.tensor(rng.standard_normal((1, 2, n, 8)).astype(np.float32)) for n in (L, S, S))
    mask = mg.tensor(rng.random((L, S)) > 0.1)
    with mg.no_grad():
        sdpa(q, k, v, attn_mask=mask)                      # compile / warm up
        tracemalloc.start()
        sdpa(q, k, v, attn_mask=mask)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    # the float bias made from the (L, S) bool mask is one L x S float32 array; an (N, H, L, S)
    # broadcast, or materialised scores, would be at least twice that
    assert peak < 1.5 * L * S * 4


@pytest.mark.parametrize("itemsize", [4, 8])
@pytest.mark.parametrize("E,Ev", [(8, 8), (64, 64), (128, 32), (1024, 1024)])
def test_cpu_blocks_fit_the_cache_and_the_blas_threshold_when_blas_keeps_its_threads(E, Ev, itemsize):
    d = max(E, Ev)
    bq, bk = _blocks(E, Ev, itemsize)
    assert 8 <= bq <= BLOCK_Q and 8 <= bk <= BLOCK_K
    assert itemsize * (2 * bq * bk + 2 * (bq + bk) * d) <= CACHE_BYTES or (bq, bk) == (8, 8)
    if E == 64 and itemsize == 4:                           # a typical head: the largest blocks
        assert (bq, bk) == (BLOCK_Q, BLOCK_K)
    uq, uk = _blocks(E, Ev, itemsize, blas_pinned=False)    # BLAS's threads could not be set
    assert uq * uk * d <= _BLAS_SERIAL_MNK or (uq, uk) == (8, 8)
    assert uq <= bq and uk <= bk


def test_attn_mask_with_is_causal_raises_as_pytorch():
    q, k, v = _inputs(np.random.default_rng(3), (1,), 3, 3, 2, 2, np.float64)
    with pytest.raises(RuntimeError, match="attn_mask must not be given with is_causal=True"):
        sdpa(q, k, v, attn_mask=mg.tensor(np.ones((3, 3), dtype=bool)), is_causal=True)


@pytest.mark.parametrize("causal", [False, True])
def test_enable_gqa_matches_pytorch_and_gradchecks(causal):
    """Grouped-query attention: 6 query heads share 2 key/value heads (3 each)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    arrs = [rng.standard_normal(s) for s in ((2, 6, 5, 4), (2, 2, 7, 4), (2, 2, 7, 3))]
    ours = [mg.tensor(a, requires_grad=True) for a in arrs]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrs]
    out = sdpa(*ours, is_causal=causal, enable_gqa=True)
    ref = torch.nn.functional.scaled_dot_product_attention(*theirs, is_causal=causal, enable_gqa=True)
    g = rng.standard_normal(ref.shape)
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-12)
    small = [mg.tensor(rng.standard_normal(s), requires_grad=True) for s in ((4, 3, 2), (2, 3, 2), (2, 3, 2))]
    assert gradcheck(lambda q, k, v: sdpa(q, k, v, is_causal=causal, enable_gqa=True), small)
    with pytest.raises(RuntimeError, match=r"enable_gqa.*\(6\).*\(4\)"):
        sdpa(ours[0], mg.ones(2, 4, 7, 4, dtype=mg.float64), mg.ones(2, 4, 7, 3, dtype=mg.float64),
             enable_gqa=True)
