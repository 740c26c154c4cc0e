"""autograd/function.py: what Function.apply checks before it runs an op's forward."""
import pytest

import minigrad as mg
import minigrad.nn.functional as F


def test_an_op_that_checks_its_input_first_names_it():
    with pytest.raises(TypeError, match=r"^hardshrink: input must be a Tensor, got float$"):
        F.hardshrink(1.5)


@pytest.mark.parametrize("call, op, got", [
    (lambda: mg.acosh(0.5), "acosh", "float"), (lambda: mg.erf([1.0]), "erf", "list"),
    (lambda: mg.sigmoid(True), "sigmoid", "bool"), (lambda: F.sigmoid(None), "sigmoid", "NoneType"),
    (lambda: mg.reciprocal("x"), "reciprocal", "str"),
])
def test_an_op_given_no_tensor_is_a_type_error_naming_it(call, op, got):
    # these ran their forward on a Python value and died with an AttributeError there
    with pytest.raises(TypeError, match=rf"^{op}: expected a Tensor input, got {got}$"):
        call()


def test_a_tensor_and_a_number_still_work():
    assert mg.sigmoid(mg.tensor([0.0])).tolist() == [0.5]
    assert (mg.tensor([1.0, 2.0]) * 3).tolist() == [3.0, 6.0]
    assert F.hardshrink(mg.tensor([0.2, -2.0]), 0.5).tolist() == [0.0, -2.0]
