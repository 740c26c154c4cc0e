"""The fake CuPy (tests/fake_cupy) is strict where CuPy is. The cuda tests rely on these rules to
catch host/device confusion, so the rules themselves are tested here, on the fake's module used
directly (it is not installed as ``cupy`` in this process)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import backend
from tests.fake_cupy import _functions
from tests.fake_cupy._simulator import view_of_interface

cp = _functions.MODULE


def test_implicit_conversion_to_numpy_raises_and_get_is_explicit():
    a = cp.arange(3.0)
    for convert in (np.asarray, np.array, lambda x: np.zeros(3) + x):
        with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed|Unsupported type"):
            convert(a)
    host = a.get()
    assert type(host) is np.ndarray and host.tolist() == [0.0, 1.0, 2.0]
    assert type(cp.asnumpy(a)) is np.ndarray


def test_host_arrays_in_device_arithmetic_raise():
    a, h = cp.ones(3), np.ones(3)
    mixes = [lambda: a + h, lambda: h + a, lambda: a * h, lambda: cp.add(a, h), lambda: np.add(a, h),
             lambda: cp.exp(h), lambda: cp.concatenate([a, h]), lambda: cp.where(h > 0, a, a),
             lambda: cp.maximum(a, [1.0, 2.0, 3.0]), lambda: cp.matmul(a, h)]
    for mix in mixes:
        with pytest.raises(TypeError, match="Unsupported type"):
            mix()
    # scalars (Python or NumPy) are fine, and NumPy's functions dispatch to the device ones
    assert float((a * 2.0 + np.float32(1)).sum()) == 9.0
    assert type(np.exp(a)) is cp.ndarray and type(np.sum(a)) is cp.ndarray


def test_setitem_refuses_host_values_but_accepts_host_indices_and_scalars():
    a = cp.zeros(4)
    with pytest.raises(TypeError, match="cannot assign a host ndarray"):
        a[:2] = np.ones(2)
    with pytest.raises(TypeError, match="cannot assign a host list"):
        a[np.array([0, 1])] = [1.0, 2.0]
    a[np.array([0, 2])] = 5.0
    a[np.array([False, True, False, False])] = cp.asarray([7.0])
    assert a.get().tolist() == [5.0, 7.0, 5.0, 0.0]


def test_reductions_and_scalars_stay_on_the_device():
    a = cp.arange(4.0)
    s, e = a.sum(), a[1]
    assert type(s) is cp.ndarray and s.shape == () and type(e) is cp.ndarray and e.shape == ()
    assert float(s) == 6.0 and s.item() == 6.0
    with pytest.raises(TypeError):
        range(e.astype(np.int64))               # no __index__: a device scalar is not a Python int


def test_out_of_range_integer_indices_wrap_and_repeated_assignment_keeps_the_first():
    a = cp.asarray([0, 1, 2])
    assert a[cp.asarray([1, 3])].get().tolist() == [1, 0]           # NumPy would raise
    assert cp.take(a, np.array([4])).get().tolist() == [1]
    b = cp.zeros(2)
    b[cp.asarray([0, 0, 1])] = cp.asarray([1.0, 2.0, 3.0])
    assert b.get().tolist() == [1.0, 3.0]                           # NumPy keeps the last: 2.0


def test_empty_memory_is_garbage():
    assert np.isnan(cp.empty(3).get()).all()
    assert (cp.empty_like(cp.zeros(2, dtype=np.int64)).get() == np.iinfo(np.int64).max).all()


def test_only_what_cupy_has():
    assert not hasattr(cp, "errstate") and not hasattr(cp, "seterr")
    a = cp.asarray([1.0, 3.0, 2.0])
    assert cp.add.accumulate(a).get().tolist() == [1.0, 4.0, 6.0]
    for method in (lambda: cp.maximum.accumulate(a), lambda: cp.maximum.reduce(a),
                   lambda: cp.subtract.at(a, cp.asarray([0]), 1.0)):
        with pytest.raises(NotImplementedError, match="is not supported"):
            method()
    from tests.fake_cupy._random import XORWOW, Generator
    g = Generator(XORWOW(0))
    for missing in ("normal", "permutation", "shuffle", "choice"):
        assert not hasattr(g, missing)
    x = g.standard_normal((2, 3), dtype=np.float32)
    assert type(x) is cp.ndarray and x.dtype == np.float32 and type(g.random()) is cp.ndarray
    host = np.random.default_rng(0).standard_normal(3)
    assert not np.allclose(Generator(XORWOW(0)).standard_normal(3).get(), host)   # not NumPy's stream


def test_scatter_add_accumulates_repeats_and_refuses_int64():
    from tests.fake_cupy._cupyx import scatter_add
    a = cp.zeros(3, dtype=np.float32)
    scatter_add(a, cp.asarray([0, 0, 2]), cp.ones(3, dtype=np.float32))
    assert a.get().tolist() == [2.0, 0.0, 1.0]
    with pytest.raises(TypeError, match="int64"):
        scatter_add(cp.zeros(3, dtype=np.int64), cp.asarray([0]), 1)
    with pytest.raises(TypeError, match="Unsupported type"):
        scatter_add(a, cp.asarray([0]), np.ones(1, dtype=np.float32))


def test_cuda_array_interface_describes_the_buffer():
    a = cp.arange(12.0).reshape(3, 4)
    for view in (a[:, ::2], a[::-1], a.T, a[1:, 1:3]):
        v = view_of_interface(view)
        assert v.shape == view.shape and np.array_equal(v, view.get())
    view_of_interface(a[::-1])[0] = -1.0                 # writes land in the device array
    assert a.get()[2].tolist() == [-1.0] * 4


def test_minigrad_cross_device_error_names_both_devices(monkeypatch):
    monkeypatch.setattr(backend, "_cupy", cp)
    monkeypatch.setattr(backend, "_cuda_ok", True)
    monkeypatch.setattr(backend, "_generators", {})
    x, y = mg.tensor([1.0, 2.0], device="cuda"), mg.tensor([1.0, 2.0])
    assert type(x.data) is cp.ndarray and x.device == "cuda"
    with pytest.raises(RuntimeError, match="add: expected all tensors on the same device, found "
                                           "tensors on (cuda:0 and cpu|cpu and cuda:0)"):
        x + y
    assert (x + 1).cpu().numpy().tolist() == [2.0, 3.0]
