"""backend.py: devices, array modules, the default dtype, CUDA's availability."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import backend


def test_default_dtype_can_be_changed():
    mg.set_default_dtype(mg.float64)
    try:
        assert mg.tensor([1.5]).dtype == mg.float64 and mg.randn(2).dtype == mg.float64
    finally:
        mg.set_default_dtype(mg.float32)
    with pytest.raises(TypeError, match="set_default_dtype"):
        mg.set_default_dtype(mg.int64)


def test_cuda_is_available_never_raises_and_cuda_request_is_clear():
    assert mg.cuda.is_available() in (True, False)
    if not mg.cuda.is_available():
        with pytest.raises(RuntimeError, match="no usable GPU"):
            mg.ones(2).cuda()
        with pytest.raises(RuntimeError, match="no usable GPU"):
            mg.zeros(2, device="cuda")


def test_device_objects():
    assert mg.device("cuda:0") == "cuda" and mg.device("cpu") == mg.device("cpu")
    assert repr(mg.device("cuda")) == "device(type='cuda', index=0)"
    with pytest.raises(ValueError, match="unknown device"):
        mg.device("tpu")


def test_array_module_and_device_transfer_on_cpu():
    a = np.ones(2)
    assert backend.array_module(a) is np and backend.to_device(a, "cpu") is a


def test_cpu_0_is_the_cpu():
    assert mg.device("cpu:0") == "cpu" and str(mg.device("cpu:0")) == "cpu"
    assert mg.zeros(2, device="cpu:0").device == "cpu"
    assert mg.nn.Linear(2, 3, device="cpu:0").weight.device == "cpu"
    with pytest.raises(ValueError, match="device: unsupported device 'cpu:1'"):
        mg.device("cpu:1")
