"""tensor.py: the Tensor class -- attributes, conversions, printing, operators, in-place updates,
comparisons -- and that every method is written in its class body."""
import ast
import importlib
import inspect
import pydoc
import re

import numpy as np
import pytest

import minigrad as mg


def test_attributes():
    x = mg.ones(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.ndim == 3 and x.dim() == 3 and x.size() == (2, 3, 4)
    assert x.size(1) == 3 and x.numel() == 24 and x.device == "cpu" and str(x.device) == "cpu"
    assert x.T.shape == (4, 3, 2) and x.mT.shape == (2, 4, 3)
    assert x.is_leaf and x.grad_fn is None and not x.requires_grad
    y = mg.ones(2, requires_grad=True) * 2
    assert not y.is_leaf and y.grad_fn is not None


def test_conversions():
    x = mg.tensor([[1.5, -2.0]], requires_grad=True)
    assert x.tolist() == [[1.5, -2.0]] and x.sum().item() == -0.5
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy().dtype == np.float32
    assert x.double().dtype == mg.float64 and x.long().tolist() == [[1, -2]] and x.float() is x
    assert x.to(mg.float64).dtype == mg.float64 and x.to("cpu") is x and x.cpu() is x
    y = x.double() * 2                       # a cast is differentiable
    y.sum().backward()
    assert x.grad.dtype == mg.float32 and x.grad.tolist() == [[2.0, 2.0]]
    c = x.clone()
    assert c.grad_fn is not None and c.tolist() == x.tolist()
    t = mg.ones(3, 2).T
    assert not t.data.flags.c_contiguous and t.contiguous().data.flags.c_contiguous
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted"):
        x.item()
    assert float(mg.tensor(2.5)) == 2.5 and int(mg.tensor(3)) == 3


def test_repr_is_pytorch_like():
    assert repr(mg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mg.tensor([1.5, 2.25])) == "tensor([1.5000, 2.2500])"
    assert repr(mg.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(mg.tensor([1.0], dtype=mg.float64)) == "tensor([1.], dtype=minigrad.float64)"
    assert repr(mg.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(mg.tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<MulBackward>)"
    assert repr(mg.tensor(3.0)) == "tensor(3.)"


def test_inplace_ops_bump_the_version_counter():
    x = mg.zeros(3)
    v0 = x._version.value
    x.add_(2).mul_(3).sub_(1).div_(5)
    assert np.allclose(x.numpy(), 1.0) and x._version.value == v0 + 4
    x.add_(mg.ones(3), alpha=2)
    x.clamp_(max=2.5).fill_(4.0)
    assert x.tolist() == [4.0] * 3
    x.copy_(mg.tensor([1.0, 2.0, 3.0]))
    assert x.tolist() == [1.0, 2.0, 3.0]
    x.zero_()
    assert x.tolist() == [0.0] * 3
    with pytest.raises(RuntimeError, match=r"mul_: output with shape \(3,\) doesn't match the broadcast shape \(2, 3\)"):
        x.mul_(mg.ones(2, 3))


def test_operators_and_reflected_forms():
    x = mg.tensor([1.0, 2.0, 4.0])
    assert (1 + x).tolist() == [2, 3, 5] and (1 - x).tolist() == [0, -1, -3]
    assert (2 * x).tolist() == [2, 4, 8] and (4 / x).tolist() == [4, 2, 1]
    assert (2 ** x).tolist() == [2, 4, 16] and (x ** 2).tolist() == [1, 4, 16]
    assert (-x).tolist() == [-1, -2, -4] and abs(-x).tolist() == [1, 2, 4]
    assert (x // 3).tolist() == [0, 0, 1] and (x % 3).tolist() == [1, 2, 1]
    assert (np.float32(2) * x).tolist() == [2, 4, 8] and isinstance(np.float32(2) * x, mg.Tensor)


def test_comparisons_and_logic_are_not_differentiable():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = (x > 1.5) & (x <= 3)
    assert m.dtype == mg.bool and not m.requires_grad and m.tolist() == [False, True, True]
    assert (x == 2).tolist() == [False, True, False] and (~m).tolist() == [True, False, False]
    assert ((x < 2) | (x > 2.5)).tolist() == [True, False, True]
    assert x.detach().equal(mg.tensor([1.0, 2.0, 3.0]))
    assert {x: 1}[x] == 1                                       # hashable by identity


def test_iteration_len_and_bool():
    x = mg.tensor([[1, 2], [3, 4]])
    assert len(x) == 2 and [r.tolist() for r in x] == [[1, 2], [3, 4]]
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    assert bool(mg.tensor([1]))


# ----------------------------------------------------------------------------- the class you read

def _class_body_names():
    """Names bound in ``class Tensor``'s body in tensor.py, read from the source."""
    tree = ast.parse(inspect.getsource(importlib.import_module("minigrad.tensor")))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    names = set()
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for t in (target.elts if isinstance(target, ast.Tuple) else [target]):
                    names.add(t.id)
    return names


def test_every_method_of_tensor_is_written_in_the_class_body():
    body = _class_body_names()
    inherited = set(dir(object))
    defined = {n for n in dir(mg.Tensor) if n not in inherited or n in vars(mg.Tensor)}
    slots = set(mg.Tensor.__slots__)
    missing = sorted(defined - body - slots - {"__module__", "__qualname__", "__doc__", "__slots__",
                                                 "__firstlineno__", "__static_attributes__"})
    assert missing == []
    assert {"exp", "sum", "reshape", "add_", "zero_", "copy_", "uniform_", "backward"} <= body
    for name in body:
        fn = vars(mg.Tensor)[name]
        fn = getattr(fn, "fget", fn)
        fn = getattr(fn, "__func__", fn)
        if inspect.isfunction(fn):
            assert fn.__qualname__.startswith("Tensor."), name


def test_numpys_spellings_come_from_a_decorator_written_on_each_method():
    tree = ast.parse(inspect.getsource(importlib.import_module("minigrad.tensor")))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    decorated = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)
                 and any(isinstance(d, ast.Name) and d.id == "numpy_spellings" for d in n.decorator_list)}
    wrapped = {n for n, m in vars(mg.Tensor).items() if inspect.isfunction(m) and hasattr(m, "__wrapped__")}
    assert wrapped == decorated
    assert {"sum", "mean", "max", "softmax", "cumsum", "squeeze", "topk", "gather"} <= decorated
    takes_dim = {n for n, m in vars(mg.Tensor).items() if inspect.isfunction(m) and not n.startswith("__")
                 and {"dim", "keepdim"} & set(inspect.signature(m).parameters)}
    assert decorated == takes_dim                # every method with dim= or keepdim=, and only those
    # nothing after the class rebinds its methods
    after = [n for n in tree.body[tree.body.index(cls) + 1:] if not isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not [n for n in after if "Tensor" in ast.unparse(n) and not isinstance(n, ast.FunctionDef)]
    x = mg.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    assert x.sum(axis=0, keepdims=True).tolist() == [[3.0, 5.0, 7.0]]
    assert x.cumsum(axis=1).tolist() == [[0.0, 1.0, 3.0], [3.0, 7.0, 12.0]]
    with pytest.raises(TypeError, match="sum: got both dim= and its alias axis="):
        x.sum(dim=0, axis=0)


def test_the_op_you_read_is_the_op_you_get():
    ops = mg.ops
    for name in ops.__all__:
        fn = getattr(ops, name)
        home = importlib.import_module(fn.__module__)
        assert getattr(home, name, fn) is fn, name        # ops re-exports each file's function itself
    assert ops.sum is ops.reduction.sum and ops.cat is ops.shape.cat
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert mg.amax(x, axis=1, keepdims=True).tolist() == [[2.0], [4.0]]
    assert mg.cat([x, x], axis=1).shape == (2, 4)


def test_help_lists_the_methods_with_their_real_signatures_and_docstrings():
    text = pydoc.render_doc(mg.Tensor, renderer=pydoc.plaintext)
    assert "*args, **kwargs" not in text
    assert not re.search(r"#? ?-{10,} ?[a-z]", text)   # no section comment shown as a docstring
    assert inspect.getdoc(mg.Tensor).startswith("An n-dimensional array")
    for expected in ("sum(self, dim=None, keepdim=False, *, dtype=None)",
                     "reshape(self, *shape)", "transpose(self, dim0, dim1)",
                     "clamp(self, min=None, max=None)", "add_(self, other, *, alpha=1)",
                     "backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None)"):
        assert expected in text, expected
    public = [n for n in vars(mg.Tensor) if not n.startswith("_") and n not in mg.Tensor.__slots__]
    assert len(public) > 140
    for name in public:
        doc = inspect.getdoc(vars(mg.Tensor)[name])
        assert doc and doc.splitlines()[0].strip(), f"Tensor.{name} has no docstring"
        assert f"{name}(self" in text or isinstance(vars(mg.Tensor)[name], property), name


def test_numpy_names_axis_and_keepdims_are_accepted_as_in_pytorch():
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    assert mg.sum(x, axis=0, keepdims=True).shape == (1, 3)
    assert x.mean(axis=1).tolist() == [1.0, 4.0]
    assert x.max(axis=0).values.tolist() == [3.0, 4.0, 5.0]
    assert x.argmax(axis=1).tolist() == [2, 2]
    assert mg.cat([x, x], axis=1).shape == (2, 6) and mg.stack([x, x], axis=0).shape == (2, 2, 3)
    assert x.softmax(axis=0).shape == (2, 3) and x.cumsum(axis=1).tolist() == [[0.0, 1.0, 3.0], [3.0, 7.0, 12.0]]
    assert mg.sort(x, axis=0, descending=True).values.tolist() == [[3.0, 4.0, 5.0], [0.0, 1.0, 2.0]]
    with pytest.raises(TypeError, match="sum: got both dim= and its alias axis="):
        mg.sum(x, dim=0, axis=0)


def test_type_reports_and_converts_like_pytorch():
    x = mg.ones(2)
    assert x.type() == "minigrad.FloatTensor" and mg.tensor([1]).type() == "minigrad.LongTensor"
    assert x.type(mg.float64).dtype == mg.float64
    assert x.type("torch.IntTensor").dtype == mg.int32 and x.type("minigrad.BoolTensor").dtype == mg.bool
    with pytest.raises(ValueError, match="type: invalid type 'torch.ComplexTensor'"):
        x.type("torch.ComplexTensor")


# ---- printing and shapes as PyTorch's ------------------------------------------------------

@pytest.mark.parametrize("values, dtype, expected", [
    ([1e-6, 2e-6], "float32", "tensor([1.0000e-06, 2.0000e-06])"),
    ([1.0, 2.0], "float32", "tensor([1., 2.])"),
    ([0.0, 0.0], "float32", "tensor([0., 0.])"),
    ([1.5, -2.25], "float32", "tensor([ 1.5000, -2.2500])"),
    ([1e9, 1.0], "float32", "tensor([1.0000e+09, 1.0000e+00])"),
    ([0.5, 1000.0], "float32", "tensor([5.0000e-01, 1.0000e+03])"),
    ([float("inf"), 1.0], "float32", "tensor([inf, 1.])"),
    ([float("nan"), 0.5], "float64", "tensor([   nan, 0.5000], dtype=minigrad.float64)"),
    ([], "float32", "tensor([])"),
])
def test_repr_follows_pytorchs_rules(values, dtype, expected):
    assert repr(mg.tensor(np.array(values, dtype=dtype))) == expected


def test_repr_equals_pytorchs_on_many_tensors():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 4)) * 10.0 ** k for k in range(-6, 10, 3)]
    arrays += [np.linspace(-1, 1, 30), np.array([1e100, 1e-100]), np.zeros((0, 3)), np.arange(6.0).reshape(2, 3)]
    for a in arrays:
        for dtype in ("float32", "float64"):
            if dtype == "float32" and np.abs(a).max(initial=0) > 1e38:
                continue
            x = a.astype(dtype)
            ours, theirs = repr(mg.tensor(x)).replace("minigrad.", "torch."), repr(torch.tensor(x))
            # equal up to where a line breaks: "minigrad." is 3 characters longer than "torch."
            assert ours.split() == theirs.split(), x
            assert ours.split("\n")[:-1] == theirs.split("\n")[:-1] or "dtype" in ours, x


def test_shape_and_size_are_a_size_that_equals_the_tuple():
    x = mg.zeros(2, 3, 4)
    assert isinstance(x.shape, mg.Size) and isinstance(x.size(), mg.Size) and isinstance(x.shape, tuple)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(1) == 3
    assert repr(x.shape) == "minigrad.Size([2, 3, 4])"
    assert x.shape[1:] == mg.Size([3, 4]) and isinstance(x.shape[1:], mg.Size) and x.shape[0] == 2
    assert x.shape.numel() == 24 and mg.Size([]).numel() == 1
    assert isinstance(x.shape + (5,), mg.Size) and x.shape + (5,) == (2, 3, 4, 5)
    assert mg.zeros(x.shape).shape == (2, 3, 4)


def test_uniform_checks_its_range_and_generator():
    x = mg.ones(3)
    with pytest.raises(RuntimeError, match=r"^uniform_: expects a <= b, got a=2.0, b=1.0$"):
        x.uniform_(2, 1)
    with pytest.raises(RuntimeError, match=r"^uniform_: b - a must be finite"):
        x.uniform_(-1e308, 1e308)
    with pytest.raises(TypeError, match=r"^uniform_: generator must be a minigrad.Generator, got bool$"):
        x.uniform_(0, 1, generator=True)
    assert x.tolist() == [1.0, 1.0, 1.0]
    g = mg.Generator().manual_seed(0)
    y = x.uniform_(-2, -1, generator=g)
    assert y is x and all(-2 <= v < -1 for v in x.tolist())


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.size((-1, 1)), TypeError, r"size: dim must be an int, got \(-1, 1\)"),
    (lambda x: x.size(2), IndexError, r"size: dimension out of range .* but got 2"),
    (lambda x: mg.tensor(1.0).size(0), IndexError, r"size: dimension specified as 0 but the tensor has no dim"),
    (lambda x: x.reshape_as([1.0, 2.0]), TypeError, r"reshape_as: other must be a Tensor, got list"),
    (lambda x: x.view_as(6), TypeError, r"view_as: other must be a Tensor, got int"),
    (lambda x: x.to(float("nan")), TypeError, r"to: expected a dtype, a device or a tensor, got nan \(float\)"),
    (lambda x: x.to(device="bogus"), ValueError, r"to: unknown device 'bogus'"),
    (lambda x: x.type(non_blocking=1), TypeError, r"type: non_blocking must be a bool, got 1 \(int\)"),
    (lambda x: x.ne(mg.ones(2, 0)), ValueError, r"ne: operands could not be broadcast .*\(2,3\) \(2,0\)"),
    (lambda x: x == mg.ones(4), ValueError, r"eq: operands could not be broadcast"),
    (lambda x: mg.ones(3).logical_or(mg.ones(2, 0)), ValueError, r"logical_or: operands could not be broadcast"),
])
def test_method_arguments_are_checked_with_the_op_named(call, error, message):
    with pytest.raises(error, match=message):
        call(mg.ones(2, 3))
    assert mg.ones(2, 3).size(-1) == 3 and mg.ones(2, 3).to(float).dtype == mg.float64


def test_comparison_and_logic_methods_take_tensors_or_numbers():
    x = mg.ones(2, 3)
    a = np.ones((2, 3), np.float32)
    for op in ("eq", "ne", "lt", "le", "gt", "ge"):
        with pytest.raises(TypeError, match=rf"^{op}: other must be a Tensor or a number, got ndarray$"):
            getattr(x, op)(a)
        assert getattr(x, op)(1.0).shape == (2, 3)
    for op in ("logical_and", "logical_or"):
        with pytest.raises(TypeError, match=rf"^{op}: other must be a Tensor, got ndarray$"):
            getattr(x, op)(a)
    assert (x == a).shape == (2, 3)          # the operator goes through NumPy, as PyTorch's


def test_normal_checks_mean_and_std():
    x = mg.zeros(2, 3)
    with pytest.raises(ValueError, match=r"^normal_: std must be in \[0.0, inf\], got -0.5$"):
        x.normal_(std=-0.5)
    assert x.normal_(std=0.0).tolist() == [[0.0] * 3] * 2


def test_new_tensors_check_their_size_and_dtype_naming_the_method():
    x = mg.ones(2, 3)
    assert x.new_zeros(2, 3).shape == (2, 3) and x.new_ones((4,)).dtype == x.dtype and x.new_zeros(x.shape).shape == (2, 3)
    assert x.new_full((2,), 5.0, dtype=mg.float64).tolist() == [5.0, 5.0]
    for call, error, message in [(lambda: x.new_zeros(1.5), TypeError, r"^new_zeros: size must be a tuple of ints"),
                                 (lambda: x.new_ones(-1), ValueError, r"^new_ones: negative dimension in size \(-1,\)$"),
                                 (lambda: x.new_full((2,), 1, dtype="float32"), TypeError,
                                  r"^new_full: dtype must be a dtype .*got the string 'float32'$"),
                                 (lambda: x.new_full((2,), None), TypeError, r"^new_full: fill_value must be a number"),
                                 (lambda: x.new_full((2,), 1e39), RuntimeError,
                                  r"^new_full: fill_value 1e\+39 cannot be converted to type float32 without overflow$"),
                                 (lambda: x.new_full((2,), 1 + 2j), RuntimeError, r"^new_full: fill_value \(1\+2j\) cannot")]:
        with pytest.raises(error, match=message):
            call()


def test_methods_built_on_another_op_name_themselves():
    x = mg.ones(2, 3)
    for call, error, message in [(lambda: x.clamp_max("a"), TypeError, r"^clamp_max: max must be a Tensor or a number"),
                                 (lambda: x.clamp_min(mg.ones(4)), RuntimeError, r"^clamp_min: operands could not be broadcast"),
                                 (lambda: x.floor_divide(mg.ones(4)), RuntimeError, r"^floor_divide: operands could not be broadcast"),
                                 (lambda: x.arctan2(mg.ones(4)), RuntimeError, r"^arctan2: operands could not be broadcast"),
                                 (lambda: mg.numel(3), TypeError, r"^numel: input must be a Tensor, got int$")]:
        with pytest.raises(error, match=message):
            call()


@pytest.mark.parametrize("kwargs", [{"copy": 1}, {"copy": None}, {"copy": "yes"}, {"non_blocking": 0},
                                    {"non_blocking": None}, {"non_blocking": 0.5}])
def test_to_takes_only_bools_for_copy_and_non_blocking(kwargs):
    """As PyTorch: a TypeError naming to and the flag (they were read by their truth)."""
    [name] = kwargs
    with pytest.raises(TypeError, match=f"^to: {name} must be a bool"):
        mg.ones(2, 3).to(mg.float64, **kwargs)
    assert mg.ones(2).to(copy=True, non_blocking=False).tolist() == [1.0, 1.0]


def test_in_place_comparisons_require_grad_with_a_zero_gradient_as_pytorchs():
    x, other = mg.tensor([1.0, 2.0, 3.0]), mg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    out = x.lt_(other)
    assert out is x and out.tolist() == [1.0, 0.0, 0.0] and out.requires_grad
    out.sum().backward()
    assert other.grad.tolist() == [0.0, 0.0, 0.0]
    assert not mg.tensor([1.0, 3.0]).ge_(2.0).requires_grad
    assert mg.tensor([1, 2, 3]).eq_(2).tolist() == [0, 1, 0]


def test_copy_non_blocking_is_a_bool_as_pytorchs():
    x = mg.zeros(2)
    with pytest.raises(TypeError, match="^copy_: non_blocking must be a bool, got None"):
        x.copy_(mg.ones(2), None)
    assert x.copy_(mg.ones(2), non_blocking=True).tolist() == [1.0, 1.0]


def test_tensor_methods_check_their_arguments_as_pytorch():
    x = mg.ones(2, 3)
    cases = [(lambda: x.type_as([1.0]), TypeError, "^type_as: other must be a Tensor, got list"),
             (lambda: x.new_tensor("x"), TypeError, "^new_tensor: data must be a number, a sequence or an array, got str"),
             (lambda: x.new_tensor([1.0], dtype="float32"), TypeError, "^new_tensor: dtype must be a dtype"),
             (lambda: x.fill_(None), TypeError, "^fill_: value must be a Tensor or a number, got NoneType"),
             (lambda: x.fmod_(None), TypeError, "^fmod_: other must be a Tensor or a number, got NoneType"),
             (lambda: x.bernoulli_(1.5), ValueError, r"^bernoulli_: p must be in \[0.0, 1.0\], got 1.5"),
             (lambda: x.bernoulli_("nuc"), TypeError, "^bernoulli_: p must be a number, got 'nuc'")]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
    assert x.new_tensor([1, 2]).dtype == mg.float32 and x.bernoulli_(mg.ones(2, 3)).tolist() == [[1.0] * 3] * 2



def test_tensor_methods_refuse_what_pytorch_refuses():
    """+ of a bool tensor, tile() without dims, equal and copy_ of what is not a tensor."""
    pytest.importorskip("torch")
    from tests.torch_oracle import raises_as_torch

    raises_as_torch(lambda m: m.ones(2, dtype=m.bool).positive(), r"^positive: .*bool tensor")
    raises_as_torch(lambda m: m.ones(2).tile(), r"^tile: missing the dims argument")
    raises_as_torch(lambda m: m.ones(2).equal(1), r"^equal: other must be a Tensor, got int$")
    raises_as_torch(lambda m: m.ones(2).equal(np.ones(2)), r"^equal: other must be a Tensor, got ndarray$")
    raises_as_torch(lambda m: m.ones(2).copy_(None), r"^copy_: src must be a Tensor, got NoneType$")
    raises_as_torch(lambda m: m.ones(2).copy_("1"), r"^copy_: src must be a Tensor, got str$")
    assert mg.ones(2).positive().tolist() == [1.0, 1.0] and mg.ones(2).equal(mg.ones(2))


def test_to_reads_trailing_bools_as_non_blocking_and_copy_as_pytorch():
    torch = pytest.importorskip("torch")
    x, t = mg.ones(2), torch.ones(2)
    for args in [(mg.float64, True), (mg.float64, False, True), (mg.float32, True, True), (mg.float32, False, False)]:
        targs = tuple(getattr(torch, str(a)) if isinstance(a, np.dtype) else a for a in args)
        ours, theirs = x.to(*args), t.to(*targs)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        assert (ours is x) == (theirs is t), args
    assert x.to(x, True, True) is not x and x.to(x, False) is x
    for args in [(True,), (False,), (True, True)]:         # a bool in the dtype's place is the dtype bool
        assert x.to(*args).dtype == mg.bool and t.to(*args).dtype == torch.bool
    from tests.torch_oracle import raises_as_torch
    for args in [("cpu", True), ("cpu", True, True), ("float64", False, True, True)]:
        raises_as_torch(lambda m: m.ones(2).to(*(getattr(m, a) if a == "float64" else a for a in args)),
                        r"^to: expected a dtype, a device or a tensor, got (True|False) \(bool\)$")


def test_an_in_place_running_sum_keeps_the_tensors_dtype_as_pytorch():
    x = mg.ones(2, 3)
    for op in ("cumsum_", "cumprod_"):
        with pytest.raises(RuntimeError, match=rf"^{op}: dtype float16 must be the tensor's own float32"):
            getattr(x, op)(0, dtype=mg.float16)
    assert x.cumsum_(1, dtype=mg.float32).tolist() == [[1.0, 2.0, 3.0]] * 2


def test_bernoulli_fills_a_0d_tensor():
    x = mg.tensor(0.5)
    assert x.bernoulli_(1.0).item() == 1.0 and x.bernoulli_(0.0).item() == 0.0
