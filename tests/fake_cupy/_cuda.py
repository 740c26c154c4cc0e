"""``cupy.cuda``: one pretend device, its runtime queries, streams and events.

Everything here answers as a CUDA 13 runtime with one device would; the device's name says
what it is, so a report built from these answers (``minigrad doctor``) cannot be mistaken for
a real GPU's.
"""
from __future__ import annotations

import time
import types

DEVICE_NAME = b"fake CuPy device (NumPy on the host, no GPU)"
TOTAL_MEMORY = 1 << 34


class CUDARuntimeError(RuntimeError):
    pass


def _properties(device=0):
    if device != 0:
        raise CUDARuntimeError("cudaErrorInvalidDevice: invalid device ordinal")
    return {"name": DEVICE_NAME, "totalGlobalMem": TOTAL_MEMORY, "major": 9, "minor": 0,
            "multiProcessorCount": 1, "warpSize": 32, "maxThreadsPerBlock": 1024}


runtime = types.ModuleType("cupy.cuda.runtime")
runtime.CUDARuntimeError = CUDARuntimeError
runtime.getDeviceCount = lambda: 1
runtime.getDeviceProperties = _properties
runtime.runtimeGetVersion = lambda: 13000
runtime.driverGetVersion = lambda: 13000
runtime.deviceSynchronize = lambda: None
runtime.memGetInfo = lambda: (TOTAL_MEMORY, TOTAL_MEMORY)
runtime.is_hip = False


class Device:
    def __init__(self, device=None):
        self.id = 0 if device is None else int(device)
        if self.id != 0:
            raise CUDARuntimeError("cudaErrorInvalidDevice: invalid device ordinal")

    compute_capability = "90"
    mem_info = property(lambda self: runtime.memGetInfo())

    def synchronize(self):
        pass

    def use(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


class Stream:
    def __init__(self, null=False, non_blocking=False, ptds=False):
        self.ptr = 0

    def synchronize(self):
        pass

    def use(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


Stream.null = Stream(null=True)


class Event:
    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self._t = None

    def record(self, stream=None):
        self._t = time.perf_counter()

    def synchronize(self):
        pass


def get_elapsed_time(start_event, end_event):
    return (end_event._t - start_event._t) * 1e3


def is_available():
    return True


def get_device_id():
    return 0


def get_current_stream():
    return Stream.null


def build():
    m = types.ModuleType("cupy.cuda")
    for name in ("Device", "Stream", "Event", "get_elapsed_time", "is_available", "get_device_id",
                 "get_current_stream", "CUDARuntimeError"):
        setattr(m, name, globals()[name])
    m.runtime = runtime
    return m
