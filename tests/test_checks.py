"""_checks.py: the argument checks shared by every public function, and errors_named, which
names the op the user called in an error raised by the ops it is built from."""
import pytest

import minigrad as mg
from minigrad._checks import dtype_arg, errors_named, memory_bytes, tensor_arg


def test_errors_named_prefixes_the_op_and_keeps_the_type():
    @errors_named("outer_op")
    def f(kind, message):
        raise kind(message)
    for kind in (TypeError, ValueError, RuntimeError, IndexError, NotImplementedError):
        with pytest.raises(kind, match=r"^outer_op: inner: bad shape$") as info:
            f(kind, "inner: bad shape")
        assert type(info.value) is kind and str(info.value.__cause__) == "inner: bad shape"
    with pytest.raises(RuntimeError, match=r"^outer_op: said once$"):
        f(RuntimeError, "outer_op: said once")
    assert f.__name__ == "f"


def test_errors_named_leaves_other_types_and_subclasses_alone():
    class Special(RuntimeError):
        pass
    for kind in (Special, KeyError, AttributeError, ZeroDivisionError):
        with pytest.raises(kind) as info:
            with errors_named("op"):
                raise kind("x")
        assert type(info.value) is kind and "op:" not in str(info.value)
    with errors_named("op"):
        pass


def test_tensor_arg_and_memory_bytes():
    t = mg.ones(2)
    assert tensor_arg("f", "input", t) is t
    with pytest.raises(TypeError, match=r"^f: input must be a Tensor, got list$"):
        tensor_arg("f", "input", [1.0])
    assert isinstance(memory_bytes(), int) and memory_bytes() > 2 ** 20


def test_range_arg():
    from minigrad._checks import range_arg
    assert range_arg("f", "a", 0, "b", 2) == (0.0, 2.0)
    with pytest.raises(RuntimeError, match=r"^f: expects a <= b, got a=2.0, b=1.0$"):
        range_arg("f", "a", 2, "b", 1)
    with pytest.raises(RuntimeError, match=r"^f: b - a must be finite"):
        range_arg("f", "a", -1e308, "b", 1e308)
    with pytest.raises(TypeError, match=r"^f: a must be a number, got 'x'"):
        range_arg("f", "a", "x", "b", 1)


def test_dtype_arg():
    import numpy as np
    assert dtype_arg("op", mg.float32) == np.float32 and dtype_arg("op", np.int64) == np.int64
    assert dtype_arg("op", float) == np.float64
    for bad in (1, float("nan"), None, True, "nonsense", "U"):
        with pytest.raises(TypeError, match=r"op: dtype must be a dtype \(minigrad.float32 ...\), got"):
            dtype_arg("op", bad)
