"""What minigrad leaves out on purpose raises NotImplementedError naming the PyTorch function
and the reason; the list names real PyTorch functions and nothing minigrad has."""
import pytest

import minigrad as mg
from minigrad import unsupported


@pytest.mark.parametrize("name", sorted(unsupported.OUT))
def test_each_left_out_name_raises_not_implemented_naming_pytorch(name):
    torch_name, why = unsupported.OUT[name]
    with pytest.raises(NotImplementedError) as info:
        if name.startswith("Tensor."):
            getattr(mg.ones(2), name.split(".", 1)[1])
        else:
            getattr(mg, name)
    assert torch_name in str(info.value) and why in str(info.value)
    assert name.split(".")[-1] in str(info.value)


def test_hasattr_is_false_and_other_missing_names_stay_attribute_errors():
    assert not hasattr(mg.ones(2), "to_sparse") and not hasattr(mg, "complex64")
    with pytest.raises(AttributeError, match="module 'minigrad' has no attribute 'no_such_op'"):
        mg.no_such_op  # noqa: B018
    with pytest.raises(AttributeError, match="'Tensor' object has no attribute 'no_such_method'"):
        mg.ones(2).no_such_method  # noqa: B018
    assert mg.ones(2).is_sparse is False and mg.ones(2).is_complex() is False


def test_the_left_out_names_exist_in_pytorch():
    torch = pytest.importorskip("torch")
    for name, (torch_name, _) in unsupported.OUT.items():
        obj = torch
        for part in torch_name.split(".")[1:]:
            obj = getattr(obj, part)
        assert obj is not None, torch_name
