"""Checkpoint files built by hand for the tests: torch.save's zip format without PyTorch, and
pickles that would run code."""
import pickle
import zipfile

import numpy as np


def _op(value):
    """The pickle opcodes that push ``value`` (an int, str or tuple of ints), protocol 2."""
    return pickle.dumps(value, protocol=2)[2:-1]


def tensor_call(storage_class, key, numel, offset, size, stride):
    """Opcodes for torch._utils._rebuild_tensor_v2((storage pid), offset, size, stride, False,
    OrderedDict()) -- what torch.save writes for every tensor."""
    pid = (b"(" + _op("storage") + f"ctorch\n{storage_class}\n".encode() + _op(key) + _op("cpu")
           + _op(numel) + b"tQ")
    return (b"ctorch._utils\n_rebuild_tensor_v2\n(" + pid + _op(offset) + _op(tuple(size))
            + _op(tuple(stride)) + b"\x89ccollections\nOrderedDict\n)Rt" + b"R")


def state_dict_pickle(entries):
    """An OrderedDict pickle of ``{name: opcodes pushing the value}``."""
    body = b"".join(_op(name) + value for name, value in entries.items())
    return b"\x80\x02ccollections\nOrderedDict\n)R(" + body + b"u."


def write_torch_zip(path, pickle_bytes, storages=None, byteorder=b"little", archive="archive"):
    """A zip laid out as torch.save writes it: archive/data.pkl, archive/data/<key>, byteorder."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{archive}/data.pkl", pickle_bytes)
        if byteorder is not None:
            zf.writestr(f"{archive}/byteorder", byteorder)
        for key, data in (storages or {}).items():
            zf.writestr(f"{archive}/data/{key}", data)
        zf.writestr(f"{archive}/version", b"3\n")


def torch_like_file(path):
    """A small state dict in torch.save's format: a float32 matrix, its transposed slice (a view
    with an offset), a float16 vector, an int64 0-d buffer. Returns the expected arrays."""
    w = np.arange(12, dtype=np.float32).reshape(3, 4)
    h = np.array([0.5, -1.0, 2.0], dtype=np.float16)
    pkl = state_dict_pickle({
        "w": tensor_call("FloatStorage", "0", 12, 0, (3, 4), (4, 1)),
        "view": tensor_call("FloatStorage", "0", 12, 1, (3, 3), (1, 4)),       # w.T[1:]
        "h": tensor_call("HalfStorage", "1", 3, 0, (3,), (1,)),
        "n": tensor_call("LongStorage", "2", 1, 0, (), ()),
    })
    write_torch_zip(path, pkl, {"0": w.tobytes(), "1": h.tobytes(), "2": np.int64(7).tobytes()})
    return {"w": w, "view": w.T[1:], "h": h, "n": np.array(7, dtype=np.int64)}


def payloads(marker):
    """Pickles that run a shell command creating ``marker`` when unpickled by pickle.loads."""
    cmd = f"touch {marker}"

    class Evil:
        def __reduce__(self):
            import os
            return (os.system, (cmd,))

    return {
        "os.system (protocol 4, STACK_GLOBAL)": pickle.dumps(Evil(), protocol=4),
        "os.system (protocol 0, GLOBAL)": f"cos\nsystem\n(V{cmd}\ntR.".encode(),
        "builtins.eval": f"cbuiltins\neval\n(V__import__('os').system('{cmd}')\ntR.".encode(),
        "subprocess.Popen": f"csubprocess\nPopen\n((Vtouch\nV{marker}\nltR.".encode(),
        "os.system (INST)": f"(V{cmd}\nios\nsystem\n.".encode(),
        "inside a state dict": state_dict_pickle({"w": f"cos\nsystem\n(V{cmd}\ntR".encode()}),
    }
