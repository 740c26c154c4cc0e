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


def test_an_int_device_is_a_gpu_index_as_in_pytorch():
    assert backend.device(0) == backend.device("cuda:0") and str(backend.device(0)) == "cuda:0"
    with pytest.raises(RuntimeError, match=r"^device: a device index must not be negative, got -1$"):
        backend.device(-1)
    with pytest.raises(ValueError, match=r"unsupported device 'cuda:1'"):
        backend.device(1)
    with pytest.raises(TypeError, match=r"^device: expected a string"):
        backend.device(True)
    if not mg.cuda.is_available():     # device=0 asks for the GPU: never a silent CPU tensor
        for make, op in [(lambda: mg.zeros(2, device=0), "zeros"), (lambda: mg.rand_like(mg.ones(2), device=0), "rand_like"),
                         (lambda: mg.nn.Conv1d(2, 3, 1, device=0), "Conv1d")]:
            with pytest.raises(RuntimeError, match=rf"^{op}: device 'cuda' requested but no usable GPU"):
                make()
