"""minigrad.utils.data: PyTorch's import path gives the very objects of minigrad.data."""
import inspect

import numpy as np

import minigrad as mg
import minigrad.data
import minigrad.utils.data as utils_data
from minigrad import optim
from minigrad.utils.data import DataLoader, TensorDataset


def test_the_pytorch_path_gives_the_same_objects():
    public = [n for n in vars(minigrad.data) if not n.startswith("_") and not inspect.ismodule(getattr(minigrad.data, n))]
    assert {"DataLoader", "Dataset", "TensorDataset", "random_split", "RandomSampler"} <= set(public)
    for name in public:
        assert getattr(utils_data, name) is getattr(minigrad.data, name), name
    assert mg.utils.data is utils_data


def test_a_loop_written_as_for_pytorch_runs():
    x, y = mg.tensor(np.arange(10.0).reshape(5, 2)), mg.tensor([0, 1, 0, 1, 1])
    loader = DataLoader(TensorDataset(x, y), batch_size=2, shuffle=True,
                        generator=mg.Generator().manual_seed(0))
    seen = [yb for _, yb in loader]
    assert len(loader) == 3 and [len(b) for b in seen] == [2, 2, 1]
    assert sorted(np.concatenate([b.numpy() for b in seen]).tolist()) == [0, 0, 1, 1, 1]


def test_dataloader_and_every_optimizer_explain_themselves_in_help():
    classes = [DataLoader, optim.Optimizer, optim.SGD, optim.Adam, optim.AdamW, optim.Adagrad,
               optim.RMSprop, optim.Adadelta, optim.lr_scheduler.LRScheduler]
    for cls in classes:
        doc = inspect.getdoc(cls)
        assert doc and len(doc.split()) > 15, cls.__name__
    for cls in (optim.SGD, optim.Adam, optim.Adagrad, optim.RMSprop, optim.Adadelta):
        doc = inspect.getdoc(cls)
        assert "The update of each parameter p" in doc and "p = p - " in " ".join(doc.split()), cls.__name__
        params = [p for p in inspect.signature(cls).parameters if p not in ("params", "maximize")]
        assert all(f"``{p}" in doc for p in params if p != "lr"), (cls.__name__, params)
