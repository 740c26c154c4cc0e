"""einsum and tensordot: every equation form PyTorch accepts, gradcheck (and gradgradcheck:
the backward is einsum again) over Hypothesis sizes (0, 1 and odd), equal to PyTorch; the
errors name einsum and the sizes."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck
from tests.strategies import make, seeds
from tests.torch_oracle import torch_check

torch = pytest.importorskip("torch")

# equations and, per operand, the letters giving its shape (. = the broadcast dims, 1 = size 1)
EQUATIONS = [
    ("ij,jk->ik", ["ij", "jk"]),                 # matmul
    ("bij,bjk->bik", ["bij", "bjk"]),            # batched matmul
    ("ij,jk", ["ij", "jk"]),                     # implicit output
    ("ba", ["ab"]),                              # implicit output is sorted: a transpose
    ("ij->ji", ["ij"]),
    ("ii->i", ["ii"]),                           # diagonal
    ("ii", ["ii"]),                              # trace
    ("iij->j", ["iij"]),
    ("i,i->", ["i", "i"]),                       # dot
    ("i,j->ij", ["i", "j"]),                     # outer
    ("ij->", ["ij"]),                            # sum
    ("ij->i", ["ij"]),
    ("...ij,...jk->...ik", [".ij", ".jk"]),      # broadcast batch dims
    ("...i->i", [".i"]),                         # ellipsis summed away
    ("i...->...", ["i."]),
    ("bhqd,bhkd->bhqk", ["bhqd", "bhkd"]),       # attention scores
    ("bij,jk,bk->bi", ["bij", "jk", "bk"]),      # three operands
    ("ij,j->i", ["ij", "1"]),                    # a size-1 dim broadcasting against its letter
    ("i j -> j i", ["ij"]),                      # spaces
    ("AB,Bc->Ac", ["AB", "Bc"]),                 # upper case
]


@st.composite
def einsum_case(draw):
    eq, layout = draw(st.sampled_from(EQUATIONS))
    sizes = {c: draw(st.integers(0, 3)) for c in "abcdhijkqABc"}
    batch = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    shapes = []
    for term in layout:
        shape = []
        for c in term:
            if c == ".":
                shape += [draw(st.sampled_from([b, 1])) for b in batch]
            elif c == "1":
                shape.append(1)
            else:
                shape.append(sizes[c])
        shapes.append(tuple(shape))
    return eq, shapes


@given(case=einsum_case(), seed=seeds)
def test_einsum_gradcheck_and_equal_to_pytorch(case, seed):
    eq, shapes = case
    xs = [make(s, seed + i) for i, s in enumerate(shapes)]
    assert gradcheck(lambda *t: mg.einsum(eq, *t), tuple(xs))
    torch_check(lambda *t: mg.einsum(eq, *t), lambda *t: torch.einsum(eq, *t), [x.detach().numpy().copy() for x in xs])


@given(case=einsum_case(), seed=seeds)
def test_einsum_gradgradcheck(case, seed):
    eq, shapes = case
    xs = [make(tuple(min(n, 2) for n in s), seed + i) for i, s in enumerate(shapes)]
    assert gradgradcheck(lambda *t: mg.einsum(eq, *t), tuple(xs))


def test_einsum_sublist_form_and_operand_list():
    a, b = np.random.default_rng(0).standard_normal((2, 3)), np.random.default_rng(1).standard_normal((3, 4))
    torch_check(lambda x, y: mg.einsum(x, [0, 1], y, [1, 2], [0, 2]),
                lambda x, y: torch.einsum(x, [0, 1], y, [1, 2], [0, 2]), [a, b])
    torch_check(lambda x: mg.einsum(x, [Ellipsis, 1], [1]), lambda x: torch.einsum(x, [Ellipsis, 1], [1]), [a])
    torch_check(lambda x, y: mg.einsum("ij,jk", [x, y]), lambda x, y: torch.einsum("ij,jk", [x, y]), [a, b])


def test_einsum_large_contraction_takes_the_blas_path_and_matches_matmul():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((8, 64, 48)), rng.standard_normal((8, 48, 32))
    torch_check(lambda x, y: mg.einsum("bij,bjk->bik", x, y), lambda x, y: torch.einsum("bij,bjk->bik", x, y),
                [a, b], atol=1e-9)
    out = mg.einsum("bij,bjk->bik", mg.tensor(a, dtype=mg.float32), mg.tensor(b, dtype=mg.float32))
    assert out.dtype == mg.float32


def test_einsum_integer_operands_and_result_owns_its_data():
    torch_check(lambda x, y: mg.einsum("i,i->", x, y), lambda x, y: torch.einsum("i,i->", x, y),
                [np.array([1, 2]), np.array([3, 4])])
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = mg.einsum("ij->ji", x)
    y.data[0, 0] = 100.0
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize("eq,shapes,message", [
    ("ij,jk->ik", [(2, 3), (4, 5)], "subscript j has size 4 for operand 1 which does not broadcast with "
                                    "previously seen size 3"),
    ("ii->i", [(2, 3)], "subscript i is repeated for operand 0 but the sizes don't match, 2 != 3"),
    ("i->ii", [(2,)], "output subscript i appears more than once in the output"),
    ("i->j", [(2,)], "output subscript j does not appear in the equation for any input operand"),
    ("ij", [(2,)], r"the number of subscripts in the equation \(2\) does not match the number of "
                   r"dimensions \(1\) for operand 0"),
    ("i,i", [(2,)], "fewer operands were provided than specified in the equation"),
    ("i#", [(2, 2)], "invalid subscript"),
])
def test_einsum_errors_name_the_op_and_the_sizes(eq, shapes, message):
    with pytest.raises(ValueError, match=r"einsum\(\): " + message):
        mg.einsum(eq, *[mg.ones(s) for s in shapes])


def test_einsum_refuses_mixed_dtypes():
    with pytest.raises(RuntimeError, match=r"einsum\(\): operands must have the same dtype, got float32, float64"):
        mg.einsum("i,i", mg.ones(2), mg.ones(2, dtype=mg.float64))


TENSORDOT_CASES = [(0, (2,)), (1, (4, 2)), (2, (3, 4, 2)), (([1, 0], [0, 1]), (3, 2, 5)),
                   (([2], [0]), (4, 3)), (([-1], [-2]), (3, 4, 2))]


@given(seed=seeds, case=st.sampled_from(TENSORDOT_CASES))
def test_tensordot(seed, case):
    dims, b_shape = case
    a, b = make((2, 3, 4), seed), make(b_shape, seed + 1)
    assert gradcheck(lambda x, y: mg.tensordot(x, y, dims), (a, b))
    torch_check(lambda x, y: mg.tensordot(x, y, dims), lambda x, y: torch.tensordot(x, y, dims),
                [a.detach().numpy().copy(), b.detach().numpy().copy()])
    with pytest.raises(RuntimeError, match="tensordot: contracted dimensions need to match"):
        mg.tensordot(mg.ones(2, 3), mg.ones(2, 3), 1)


def test_einsum_on_the_device(device):
    a, b = make((2, 3, 4), 0, device), make((2, 4, 5), 1, device)
    y = mg.einsum("bij,bjk->bik", a, b)
    y.sum().backward()
    assert y.device == a.device and a.grad.device == a.device and b.grad.device == b.device
    np.testing.assert_allclose(y.detach().numpy(force=True),
                               a.detach().numpy(force=True) @ b.detach().numpy(force=True), rtol=1e-12)
