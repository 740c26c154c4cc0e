"""_checks.py: the argument checks shared by every public function, and errors_named, which
names the op the user called in an error raised by the ops it is built from."""
import re

import pytest

import minigrad as mg
from minigrad._checks import dtype_arg, errors_named, ints_arg, memory_bytes, tensor_arg


def test_errors_named_names_the_outer_op_once_and_keeps_the_type():
    @errors_named("outer_op")
    def f(kind, message):
        raise kind(message)
    for kind in (TypeError, ValueError, RuntimeError, IndexError, NotImplementedError):
        with pytest.raises(kind, match=r"^outer_op: bad shape$") as info:
            f(kind, "inner: bad shape")
        assert type(info.value) is kind and str(info.value.__cause__) == "inner: bad shape"
    with pytest.raises(RuntimeError, match=r"^outer_op: said once$"):
        f(RuntimeError, "outer_op: said once")
    with pytest.raises(ValueError, match=r"^outer_op: operands could not be broadcast together$"):
        f(ValueError, "operands could not be broadcast together")
    for inner in ("F.linear", "Tensor.add_", "einsum()", "MultiheadAttention"):
        with pytest.raises(RuntimeError, match=r"^outer_op: shapes differ$"):
            f(RuntimeError, f"{inner}: shapes differ")
    assert f.__name__ == "f"


def test_nested_errors_named_name_only_the_outermost_op():
    @errors_named("Outer")
    def outer():
        with errors_named("Middle"):
            with errors_named("inner"):
                raise ValueError("embed_dim must be divisible by num_heads, got 5 and 2")
    with pytest.raises(ValueError, match=r"^Outer: embed_dim must be divisible by num_heads, got 5 and 2$"):
        outer()


def test_layers_built_from_layers_name_the_one_the_user_called():
    layer = mg.nn.TransformerEncoderLayer(d_model=4, nhead=2, dim_feedforward=8, dropout=0.0)
    with pytest.raises(RuntimeError, match=r"^TransformerEncoderLayer: query has 5 features, the module "
                                           r"expects embed_dim=4$"):
        layer(mg.randn(3, 2, 5))
    with pytest.raises(RuntimeError, match=r"^softmin: needs a floating point input, got int64"):
        mg.nn.functional.softmin(mg.ones(2, 3, dtype=mg.int64), dim=1)


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


def test_sizes_must_fit_in_int64_and_dtypes_are_not_strings():
    from minigrad._checks import ints_arg
    assert ints_arg("f", "stride", 2 ** 63 - 1, 2) == (2 ** 63 - 1,) * 2
    with pytest.raises(ValueError, match=r"^f: stride must fit in int64, got 100000000000000000000$"):
        ints_arg("f", "stride", 10 ** 20, 2)
    with pytest.raises(ValueError, match=r"^f: padding must fit in int64, got \(1, -9223372036854775809\)$"):
        ints_arg("f", "padding", (1, -2 ** 63 - 1), 2)
    with pytest.raises(TypeError, match=r"^f: dtype must be a dtype \(minigrad.float32 ...\), got the string 'float32'$"):
        dtype_arg("f", "float32")
    assert dtype_arg("f", mg.float32) == mg.float32 and dtype_arg("f", float) == mg.float64


def test_operand_arg():
    import numpy as np
    from minigrad._checks import operand_arg
    x = mg.ones(2)
    for good in (x, 1, 1.5, True, 1 + 2j, np.float32(2)):
        assert operand_arg("op", "other", good) is good
    for bad, name in ((np.ones(2), "ndarray"), ([1.0], "list"), ("1", "str"), (None, "NoneType")):
        with pytest.raises(TypeError, match=rf"^op: other must be a Tensor or a number, got {name}$"):
            operand_arg("op", "other", bad)


def test_scalar_arg_converts_as_pytorchs_checked_convert():
    import numpy as np
    from minigrad._checks import scalar_arg
    for value, dtype in ((1e38, np.float32), (float("inf"), np.float32), (float("nan"), np.float16), (1e-300, np.float32),
                         (2 + 0j, np.float64), (3 + 4j, np.complex64), (2 ** 40, np.bool_), (-128, np.int8), (2.9, np.uint8)):
        assert scalar_arg("op", "value", value, dtype) == value or value != value     # (NaN)
    for value, dtype in ((1e39, np.float32), (70000.0, np.float16), (1j, np.float64), (2 ** 31, np.int32),
                         (float("inf"), np.int64), (-256, np.uint8), (-0.5, np.uint8), (-1.0, np.uint8)):
        with pytest.raises(RuntimeError, match=rf"^op: value {re.escape(repr(value))} cannot be converted to type .* without overflow$"):
            scalar_arg("op", "value", value, dtype)
    assert [scalar_arg("op", "value", v, np.uint8) for v in (-1, -255)] == [255, 1]      # ints wrap, as PyTorch's
    with pytest.raises(TypeError, match=r"^op: value must be a number, got None"):
        scalar_arg("op", "value", None, np.float32)


def test_size_arg_needs_a_size():
    from minigrad._checks import size_arg
    assert size_arg("zeros", ((),)) == ()
    with pytest.raises(TypeError, match=r"^zeros: missing the size argument \(give \(\) for a 0-d tensor\)$"):
        size_arg("zeros", ())


def test_tensor_arg_optional():
    from minigrad._checks import tensor_arg
    assert tensor_arg("op", "weight", None, optional=True) is None
    with pytest.raises(TypeError, match=r"^op: weight must be a Tensor, got float$"):
        tensor_arg("op", "weight", 2.0, optional=True)


def test_a_library_error_becomes_its_documented_base_naming_the_op():
    import numpy as np
    with pytest.raises(TypeError, match=r"^outer_op: ufunc 'sign' did not contain a loop") as info:
        with errors_named("outer_op"):
            np.sign(np.ones(2, dtype=bool))
    assert type(info.value) is TypeError and type(info.value.__cause__).__module__.startswith("numpy")


def test_an_argument_that_is_no_tensor_is_a_type_error_naming_it():
    @errors_named("op")
    def f(input, other=None, tensors=()):
        return input.ndim + (other.shape[0] if other is not None else 0) + sum(t.ndim for t in tensors)
    assert f(mg.ones(2), mg.ones(3)) == 4
    for call, message in [(lambda: f(5), r"^op: input must be a Tensor, got int$"),
                          (lambda: f(mg.ones(2), other=[1.0]), r"^op: other must be a Tensor, got list$"),
                          (lambda: f(mg.ones(2), tensors=(mg.ones(2), "x")), r"^op: tensors\[1\] must be a Tensor, got str$")]:
        with pytest.raises(TypeError, match=message) as info:
            call()
        assert isinstance(info.value.__cause__, AttributeError)

    @errors_named("op")
    def g(input):
        return input.missing_attribute     # not a Tensor attribute: the AttributeError is a bug, kept
    with pytest.raises(AttributeError):
        g(mg.ones(2))


def test_every_public_op_and_functional_names_itself():
    cases = [(lambda: mg.t(5), TypeError, r"^t: input must be a Tensor, got int$"),
             (lambda: mg.ones(2, 2).mv(None), TypeError, r"^mv: vec must be a Tensor, got NoneType$"),
             (lambda: mg.fmod(mg.ones(2), mg.ones(3)), RuntimeError, r"^fmod: operands could not be broadcast"),
             (lambda: mg.take_along_dim(mg.ones(2), mg.ones(2)), RuntimeError,
              r"^take_along_dim: index must be an integer tensor, got float32$"),
             (lambda: mg.nn.functional.glu(3), TypeError, r"^glu: input must be a Tensor, got int$")]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
    assert mg.sum is mg.ops.reduction.sum and mg.sum.__name__ == "sum" and mg.sum.__module__ == "minigrad.ops.reduction"


def test_ints_arg_can_insist_on_a_sequence():
    assert ints_arg("flip", "dims", [0, -1], sequence=True) == (0, -1)
    assert ints_arg("roll", "shifts", 2) == (2,)
    with pytest.raises(TypeError, match=r"^flip: dims must be a tuple of ints, got 0 \(int\)$"):
        ints_arg("flip", "dims", 0, sequence=True)
    with pytest.raises(TypeError, match=r"^tile: dims must be an int or a tuple of ints, got \(1.5,\)$"):
        ints_arg("tile", "dims", (1.5,), sequence=True)
