"""creation.py: tensor, zeros, ones, full, eye, arange, linspace, the *_like forms and the seeded random ones, with PyTorch's dtype defaults."""
import re

import numpy as np
import pytest

import minigrad as mg


def test_creation_defaults_follow_pytorch():
    assert mg.tensor([1.0, 2.0]).dtype == mg.float32
    assert mg.tensor(3.5).dtype == mg.float32 and mg.tensor(3.5).shape == ()
    assert mg.tensor([1, 2]).dtype == mg.int64
    assert mg.tensor([True, False]).dtype == mg.bool
    assert mg.tensor(np.arange(3, dtype=np.int16)).dtype == mg.int16          # NumPy keeps its dtype
    assert mg.tensor(np.ones(2)).dtype == mg.float64
    assert mg.zeros(2, 3).shape == (2, 3) and mg.zeros((2, 3)).dtype == mg.float32
    assert mg.ones(2, dtype=mg.float64).dtype == mg.float64
    assert mg.full((2,), 7).tolist() == [7, 7] and mg.full((2,), 7).dtype == mg.int64
    assert mg.eye(3).numpy().trace() == 3
    assert mg.arange(5).tolist() == [0, 1, 2, 3, 4] and mg.arange(5).dtype == mg.int64
    assert mg.arange(0, 1, 0.25).dtype == mg.float32
    assert mg.linspace(0, 1, 5).tolist() == [0, 0.25, 0.5, 0.75, 1.0]
    x = mg.ones(2, 3, dtype=mg.float64)
    assert mg.zeros_like(x).dtype == mg.float64 and mg.ones_like(x).shape == (2, 3)
    assert mg.full_like(x, 2.0).tolist() == [[2.0] * 3] * 2 and mg.empty(4).shape == (4,)
    arr = np.ones(3)
    shared = mg.from_numpy(arr)
    arr[0] = 5
    assert shared.tolist()[0] == 5


def test_random_creation_is_seeded_and_repeatable_bit_for_bit():
    def draw():
        mg.manual_seed(1234)
        return [mg.randn(3, 4).numpy(), mg.rand(5).numpy(), mg.randint(0, 10, (6,)).numpy(),
                mg.normal(0.0, 2.0, (3,)).numpy(), mg.randperm(7).numpy()]
    first, second = draw(), draw()
    for a, b in zip(first, second):
        assert a.tobytes() == b.tobytes()
    assert first[0].dtype == np.float32 and first[2].dtype == np.int64
    r = mg.rand(1000)
    assert 0 <= r.min().item() and r.max().item() < 1
    g = mg.Generator().manual_seed(5)
    assert mg.randn(3, generator=g).tolist() == mg.randn(3, generator=mg.Generator().manual_seed(5)).tolist()


@pytest.mark.parametrize("data", [None, "abc", [2 ** 70], [1, "a"], {1: 2}])
@pytest.mark.parametrize("dtype", [None, mg.bool])
def test_tensor_refuses_data_that_is_not_numbers(data, dtype):
    if dtype is not None and data == [2 ** 70]:
        assert mg.tensor(data, dtype=dtype).tolist() == [True]        # a number, true: PyTorch's answer too
        return
    with pytest.raises(TypeError, match="tensor: cannot make a tensor of"):     # not each made a bool by its truth
        mg.tensor(data, dtype=dtype)


@pytest.mark.parametrize("args, match", [((0, 5, 0), "arange: step must be nonzero"),
                                         ((0, 5, -1), "arange: upper bound and larger bound inconsistent"),
                                         ((5, 0, 1), "arange: upper bound and larger bound inconsistent"),
                                         ((0, "5", 1), "arange: end must be a number"),
                                         ((0, 5, 10 ** 20), "arange: step must fit in int64, got 1" + "0" * 20),
                                         ((0, 5, 1, "float32"), "arange: dtype must be a dtype .*got the string")])
def test_arange_refuses_bad_bounds_and_steps(args, match):
    with pytest.raises((RuntimeError, TypeError, ValueError), match=match):
        mg.arange(*args)


def test_random_creation_refuses_impossible_parameters():
    with pytest.raises(ValueError, match="randperm: n must be at least 0"):
        mg.randperm(-1)
    with pytest.raises(TypeError, match="randperm: n must be an int"):
        mg.randperm(2.0)
    with pytest.raises(ValueError, match="normal: std must be in"):
        mg.normal(0.0, -1.0, size=(2,))
    with pytest.raises(RuntimeError, match="normal: std must be >= 0"):
        mg.normal(mg.zeros(2), mg.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="bernoulli: p must be in"):
        mg.bernoulli(mg.ones(2), p=1.5)
    with pytest.raises(RuntimeError, match="bernoulli: every probability"):
        mg.bernoulli(mg.tensor([0.5, float("nan")]))
    assert mg.bernoulli(mg.tensor([0.0, 1.0])).tolist() == [0.0, 1.0]
    assert mg.arange(5, 0, -2).tolist() == [5, 3, 1]


def test_random_creation_checks_the_generator_and_the_input():
    for call, op in [(lambda: mg.randn(2, generator=True), "randn"), (lambda: mg.randperm(3, generator="s"), "randperm"),
                     (lambda: mg.rand(2, generator=0), "rand")]:
        with pytest.raises(TypeError, match=rf"^{op}: generator must be a minigrad.Generator"):
            call()
    with pytest.raises(TypeError, match=r"^bernoulli: input must be a Tensor, got float$"):
        mg.bernoulli(0.5)
    g = mg.Generator().manual_seed(1)
    assert sorted(mg.randperm(4, generator=g).tolist()) == [0, 1, 2, 3]


def test_tensor_wants_a_bool_requires_grad_and_full_like_a_dtype():
    with pytest.raises(TypeError, match=r"^tensor: requires_grad must be a bool, got 1.5"):
        mg.tensor([1.0], device="cpu:0", requires_grad=1.5)
    with pytest.raises(TypeError, match=r"^full_like: dtype must be a dtype \(minigrad.float32 ...\), got the string 'float32'$"):
        mg.full_like(mg.ones(2), 0.5, dtype="float32")
    assert mg.tensor([1.0], requires_grad=True).requires_grad
    assert mg.full_like(mg.ones(2), 0.5, dtype=mg.float64).dtype == mg.float64


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
def test_integer_linspace_truncates_as_pytorch(dtype):
    """Each value computed in float64 and truncated toward zero, the second half counted back
    from ``end`` (it was floored: linspace(5, -5, 20, dtype=int32) ended -4, -5, -5)."""
    torch = pytest.importorskip("torch")
    cases = [(5, -5, 20), (-5, 5, 20), (0, 10, 7), (-3, 3, 1), (0, 7, 0), (1.5, 9.7, 6), (0, 100, 2)]
    if dtype != "uint8":
        cases.append((-1.7, -9.2, 5))
    for start, end, steps in cases:
        ours = mg.linspace(start, end, steps, dtype=getattr(mg, dtype))
        theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype))
        assert ours.dtype == getattr(mg, dtype) and ours.tolist() == theirs.tolist(), (start, end, steps)
    assert mg.linspace(5, -5, 20, dtype=mg.int32).tolist()[-3:] == [-3, -4, -5]


def test_linspace_and_randint_check_their_arguments_as_pytorch():
    for end in ([2], (1.5, 1), "2"):
        with pytest.raises(TypeError, match=rf"^linspace: end must be a number or a 0-d tensor, got {re.escape(repr(end))}"):
            mg.linspace(0.0, end, 5)
    assert mg.linspace(mg.tensor(0.0), mg.tensor(1.0), 3).tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(RuntimeError, match=r"^randint: only floating point tensors can require gradients"):
        mg.randint(0, 5, (2, 3), requires_grad=True)
    with pytest.raises(TypeError, match=r"^randint: requires_grad must be a bool, got 1.5"):
        mg.randint(0, 5, (2, 3), requires_grad=1.5)



def test_linspace_steps_and_randint_bounds_are_checked_as_pytorch():
    """steps=True is a TypeError for every dtype (it was read as 1 for a float linspace);
    randint's [low, high) must fit its dtype (bool [0, 1], int8 [-128, 127] ...): a RuntimeError."""
    pytest.importorskip("torch")
    from tests.torch_oracle import raises_as_torch

    raises_as_torch(lambda m: m.linspace(0.0, 1.0, True), r"^linspace: steps must be an int, got True \(bool\)")
    raises_as_torch(lambda m: m.randint(0, 3, (2,), dtype=m.bool),
                    r"^randint: \[low, high\) = \[0, 3\) is out of bounds for bool \(\[0, 1\]\)")
    raises_as_torch(lambda m: m.randint(0, 300, (2,), dtype=m.int8),
                    r"^randint: \[low, high\) = \[0, 300\) is out of bounds for int8 \(\[-128, 127\]\)")
    raises_as_torch(lambda m: m.randint(-1, 3, (2,), dtype=m.uint8), r"^randint: .*\[-1, 3\) is out of bounds for uint8")
    assert set(mg.randint(-128, 128, (50,), dtype=mg.int8).tolist()) <= set(range(-128, 128))
    assert mg.randint(0, 2, (3,), dtype=mg.bool).dtype == mg.bool


def test_linspace_refuses_bool_as_pytorch():
    with pytest.raises(NotImplementedError, match="linspace: not implemented for dtype bool"):
        mg.linspace(0, 1, 5, dtype=mg.bool)
    with pytest.raises(RuntimeError, match="cannot be converted to int8 without overflow"):
        mg.linspace(0, 300, 3, dtype=mg.int8)


@pytest.mark.parametrize("start, end", [(-0.5, 5), (-1.7, 5), (255.9, 0), (0, 255.5)])
def test_linspace_refuses_a_float_bound_outside_the_integer_range(start, end):
    """A float bound outside uint8's range is refused, as PyTorch (-1.7 wrapped to 255 before);
    a negative int bound still wraps around, as PyTorch converts it."""
    with pytest.raises(RuntimeError, match="cannot be converted to uint8 without overflow"):
        mg.linspace(start, end, 3, dtype=mg.uint8)
    assert mg.linspace(-1, 5, 3, dtype=mg.uint8).tolist() == [255, 130, 5]


@pytest.mark.parametrize("call, error, message", [
    (lambda: mg.eye([2, 2]), TypeError, r"eye: n must be an int, got \[2, 2\] \(list\)"),
    (lambda: mg.eye(3, m=(1.5, 1)), TypeError, r"eye: m must be an int, got \(1.5, 1\) \(tuple\)"),
    (lambda: mg.eye(-1), ValueError, r"eye: n must be at least 0, got -1"),
    (lambda: mg.rand(1, 3, -1), ValueError, r"rand: negative dimension in size \(1, 3, -1\)"),
    (lambda: mg.zeros(2.0), TypeError, r"zeros: size must be a tuple of ints, got \(2.0,\)"),
    (lambda: mg.rand(2, dtype=mg.int64), NotImplementedError, r"rand: not implemented for dtype int64"),
    (lambda: mg.randint(low=(1, 1), high=5, size=(2, 3)), TypeError, r"randint: low must be an int, got \(1, 1\)"),
    (lambda: mg.randint(5, 5, (2,)), RuntimeError, r"randint: expects low < high, got low=5, high=5"),
    (lambda: mg.zeros_like(mg.ones(2), dtype=1), TypeError,
     r"zeros_like: dtype must be a dtype .*got 1 \(int\)"),
    (lambda: mg.empty_like(mg.ones(2), device="bogus"), ValueError, r"empty_like: unknown device 'bogus'"),
    (lambda: mg.multinomial(mg.ones(2, 4), (1.5, 1)), TypeError, r"multinomial: num_samples must be an int"),
    (lambda: mg.multinomial(mg.ones(2, 3), 4), RuntimeError, r"multinomial: cannot draw 4 samples without replacement"),
    (lambda: mg.multinomial(mg.tensor([1.0, -1.0]), 1), RuntimeError, r"multinomial: probabilities must be finite"),
    (lambda: mg.multinomial(mg.ones(2, 2, 3), 1), RuntimeError, r"multinomial: input must be a 1-D or 2-D"),
    (lambda: mg.zeros_like("x"), TypeError, r"zeros_like: input must be a Tensor, got str"),
    (lambda: mg.rand_like(None), TypeError, r"rand_like: input must be a Tensor, got NoneType"),
    (lambda: mg.rand_like(mg.ones(2), dtype=mg.int32), NotImplementedError, r"rand_like: not implemented for dtype int32"),
    (lambda: mg.rand(2, 3, device="bogus"), ValueError, r"rand: unknown device 'bogus'"),
    (lambda: mg.randint(-10**20, 5, (2,)), RuntimeError, r"randint: low=-100000000000000000000 and high=5 must fit in int64"),
])
def test_creation_arguments_are_checked_up_front(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_float16_random_tensors_and_an_empty_multinomial_as_pytorch():
    assert mg.rand(2, 3, dtype=mg.float16).dtype == mg.float16
    assert mg.rand_like(mg.ones(2), dtype=mg.float16).dtype == mg.float16
    assert mg.randn(4, dtype=mg.float16).dtype == mg.float16
    assert mg.normal(0.0, 1.0, (3,), dtype=mg.float16).dtype == mg.float16
    empty = mg.multinomial(mg.ones(0, 3), 1)
    assert empty.shape == (0, 1) and empty.dtype == mg.int64


def test_like_functions_take_a_falsy_device_or_dtype_at_its_word():
    x = mg.ones(2)
    assert mg.zeros_like(x, dtype=mg.bool).dtype == mg.bool and mg.full_like(x, 2, dtype=mg.int64).dtype == mg.int64
    with pytest.raises(TypeError, match=r"^zeros_like: dtype must be a dtype .*got 0 \(int\)$"):
        mg.zeros_like(x, dtype=0)
    with pytest.raises(TypeError, match=r"^randint: dtype must be a dtype .*got the string 'int32'$"):
        mg.randint(0, 5, (2,), dtype="int32")
    for op in ("zeros", "ones", "empty", "rand", "randn"):
        with pytest.raises(TypeError, match=rf"^{op}: dtype must be a dtype .*got the string 'float32'$"):
            getattr(mg, op)(2, dtype="float32")


def test_creation_checks_size_requires_grad_dtype_and_fill_value():
    with pytest.raises(TypeError, match=r"^ones: missing the size argument"):
        mg.ones()
    assert mg.zeros(()).shape == ()
    with pytest.raises(TypeError, match=r"^zeros: requires_grad must be a bool, got \(1, 2\) \(tuple\)$"):
        mg.zeros(2, 3, requires_grad=(1, 2))
    with pytest.raises(TypeError, match=r"^linspace: requires_grad must be a bool, got nan \(float\)$"):
        mg.linspace(1, 1.0, 5, requires_grad=float("nan"))
    with pytest.raises(TypeError, match=r"^zeros: dtype must be a dtype \(minigrad.float32 ...\), got the string 'float32'"):
        mg.zeros(2, dtype="float32")
    with pytest.raises(TypeError, match=r"^full: fill_value must be a number, got None \(NoneType\)$"):
        mg.full((2, 3), None)
    assert mg.full((2,), mg.tensor(2.5)).tolist() == [2.5, 2.5] and mg.full((1,), True).dtype == mg.bool_


def test_requires_grad_none_means_false_as_in_pytorchs_factories():
    for make in (lambda: mg.zeros(2, requires_grad=None), lambda: mg.ones(2, requires_grad=None),
                 lambda: mg.randn(2, requires_grad=None), lambda: mg.linspace(0.0, 1.0, 5, requires_grad=None)):
        assert make().requires_grad is False


def test_tensor_names_itself_for_a_bad_device():
    with pytest.raises(ValueError, match=r"^tensor: unknown device 'bogus'"):
        mg.tensor([1.0], device="bogus")
    with pytest.raises(ValueError, match=r"^tensor: unknown device 'bogus'"):
        mg.as_tensor([1.0], device="bogus")
    with pytest.raises(TypeError, match=r"^tensor: dtype must be a dtype .*got the string 'float32'$"):
        mg.tensor([1.0], dtype="float32")
    assert mg.tensor([1, 2], dtype=float).dtype == mg.float64


def test_bernoulli_of_probabilities_that_require_grad_requires_grad_with_a_zero_gradient():
    p = mg.tensor([0.2, 0.7, 0.5], requires_grad=True)
    draw = mg.bernoulli(p)
    assert draw.requires_grad and set(draw.tolist()) <= {0.0, 1.0}
    draw.sum().backward()
    assert p.grad.tolist() == [0.0, 0.0, 0.0]
    assert not mg.bernoulli(p.detach()).requires_grad


def test_linspace_of_nan_and_inf_bounds_follows_pytorchs_two_sided_formula():
    """start + step * i for the first half, end - step * (steps - 1 - i) for the second: an
    infinite step meets a zero (inf * 0) at the first and last element (NumPy's linspace gave
    [nan, nan, nan, nan, 1.0] for (nan, 1, 5) and [0, inf, inf, inf, inf] for (0, inf, 5))."""
    torch = pytest.importorskip("torch")
    inf, nan = float("inf"), float("nan")
    for start, end in [(nan, 1.0), (0.0, nan), (inf, 1.0), (0.0, inf), (-inf, inf), (1.0, -inf), (inf, inf),
                       (-3e38, 3e38), (2, 7)]:
        for steps in (0, 1, 2, 3, 4, 5, 6, 11):
            for dtype in ("float32", "float64"):
                ours = mg.linspace(start, end, steps, dtype=getattr(mg, dtype))
                theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
                if (start, end) == (-3e38, 3e38) and dtype == "float32":    # PyTorch's float32 step overflows
                    theirs = torch.linspace(start, end, steps, dtype=torch.float64).numpy().astype(np.float32)
                scale = np.abs(theirs[np.isfinite(theirs)]).max(initial=1.0)
                np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6, atol=1e-7 * scale,
                                           err_msg=f"{start}, {end}, {steps}, {dtype}")


def test_linspace_and_full_of_a_complex_number_are_complex64_as_pytorch():
    """The default complex dtype has the default float dtype's precision (it was complex128)."""
    torch = pytest.importorskip("torch")
    ours, theirs = mg.linspace(1j, 2, 4), torch.linspace(1j, 2, 4)
    assert ours.dtype == np.complex64 and np.allclose(ours.numpy(), theirs.numpy())
    assert mg.full((2, 3), 1 + 2j).dtype == np.complex64 == mg.tensor([1j, 2.0]).dtype
    with pytest.raises(RuntimeError, match=r"^linspace: inferred dtype complex64 can't be safely cast to passed dtype float64"):
        mg.linspace(1j, 2, 3, dtype=mg.float64)
    with pytest.raises(RuntimeError, match=r"^linspace: number of steps must be non-negative, got -1"):
        mg.linspace(0, 1, -1, dtype=mg.int64)
    for end in (10 ** 20, -2 ** 63 - 1):
        with pytest.raises(OverflowError, match=rf"^linspace: end {end} does not fit in 64 bits"):
            mg.linspace(0, end, 3)
    assert mg.linspace(0, 2 ** 64 - 1, 3).tolist() == torch.linspace(0, 2 ** 64 - 1, 3).tolist()


def test_full_checks_that_its_fill_value_converts_to_the_dtype_as_pytorch():
    """NaN or inf into an integer dtype, 300 into uint8, 1e39 into float32, 1j into a real dtype
    are RuntimeErrors (they gave int64's minimum, 0, inf, the real part); -1 wraps into uint8."""
    pytest.importorskip("torch")
    from tests.torch_oracle import raises_as_torch

    for value, dtype in [(float("nan"), "int64"), (float("inf"), "int8"), (300, "uint8"), (-2.5, "uint8"),
                         (1e39, "float32"), (1j, "float32"), (-256, "uint8")]:
        raises_as_torch(lambda m: m.full((2,), value, dtype=getattr(m, dtype)),
                        rf"^full: fill_value {re.escape(repr(value))} cannot be converted to type {dtype} without overflow")
    raises_as_torch(lambda m: m.full_like(m.ones(2), float("nan"), dtype=m.int64), r"^full_like: fill_value nan cannot")
    assert mg.full((2,), -1, dtype=mg.uint8).tolist() == [255, 255]
    assert mg.full((2,), 1.5, dtype=mg.int64).tolist() == [1, 1]
