"""PyTorch as the oracle: run a minigrad function and its PyTorch counterpart on the same
inputs and compare values, dtypes, shapes and gradients. Tests that use it skip when
PyTorch is not installed (``pytest.importorskip("torch")`` in the test module)."""
import numpy as np

import minigrad as mg


def _as_tuple(out):
    if isinstance(out, tuple):          # named tuples too: (values, indices)
        return tuple(out)
    return (out,)


def _torch_dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def torch_check(mg_fn, torch_fn, arrays, requires_grad=None, *, atol=1e-10, rtol=1e-7, seed=0,
                check_grad=True):
    """Call ``mg_fn`` and ``torch_fn`` on tensors made from ``arrays`` (NumPy arrays, or other
    values passed through unchanged) and assert equal outputs (shape, dtype, values, NaNs in
    the same places) and, for float outputs, equal gradients of <g, outputs> for a random g.
    ``requires_grad``: one flag per array (default: every float array). Returns the minigrad
    outputs."""
    import torch

    if requires_grad is None:
        requires_grad = [isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays]
    ours, theirs = [], []
    for a, rg in zip(arrays, requires_grad):
        if isinstance(a, np.ndarray):
            ours.append(mg.tensor(a.copy(), requires_grad=bool(rg)))
            theirs.append(torch.tensor(a.copy(), requires_grad=bool(rg)))
        else:
            ours.append(a)
            theirs.append(a)
    out_o, out_t = _as_tuple(mg_fn(*ours)), _as_tuple(torch_fn(*theirs))
    assert len(out_o) == len(out_t), (len(out_o), len(out_t))
    for o, t in zip(out_o, out_t):
        assert tuple(o.shape) == tuple(t.shape), (tuple(o.shape), tuple(t.shape))
        assert str(o.dtype) == _torch_dtype_name(t), (o.dtype, t.dtype)
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), atol=atol, rtol=rtol)
    if not check_grad:
        return out_o
    rng = np.random.default_rng(seed)
    pairs = [(o, t) for o, t in zip(out_o, out_t) if t.requires_grad and o.dtype.kind == "f"]
    if not pairs or not any(requires_grad):
        return out_o
    total_o, total_t = 0, 0
    for o, t in pairs:
        g = rng.standard_normal(tuple(o.shape))
        total_o = total_o + (o * mg.tensor(g, dtype=o.dtype)).sum()
        total_t = total_t + (t * torch.tensor(g, dtype=t.dtype)).sum()
    total_o.backward()
    total_t.backward()
    for a, o, t in zip(arrays, ours, theirs):
        if isinstance(a, np.ndarray) and o.requires_grad:
            go = np.zeros(a.shape) if o.grad is None else o.grad.numpy()
            gt = np.zeros(a.shape) if t.grad is None else t.grad.numpy()
            if o.grad is not None:
                assert o.grad.dtype == o.dtype and tuple(o.grad.shape) == tuple(o.shape)
            np.testing.assert_allclose(go, gt, atol=atol, rtol=rtol)
    return out_o


def raises_as_torch(call, match):
    """Run ``call(mg)`` and ``call(torch)``: both must raise, the same exception type, and
    minigrad's message must match the regex ``match`` (which names the op and the values).
    Returns minigrad's exception."""
    import re

    import pytest
    import torch

    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(theirs.type) as ours:
        call(mg)
    assert re.search(match, str(ours.value)), (str(ours.value), match)
    return ours.value
