"""A stand-in for ``cupy.cuda.nccl`` over MPI, for the fake CuPy (``tests/fake_cupy``).

It has CuPy's names and call signatures -- ``get_unique_id()``, ``NcclCommunicator(ndev, commId,
rank)`` with ``allReduce``, ``bcast``, ``allGather``, ``reduceScatter`` taking raw device
pointers, element counts, NCCL's datatype and op codes and a stream -- and carries the data with
mpi4py between the processes of an mpiexec run. The fake CuPy keeps device arrays in host memory
and hands out their address as ``.data.ptr``, so each call reads and writes exactly the bytes the
pointer and count name: a wrong count, dtype code or pointer gives wrong numbers, which the
tests see. It checks that every rank was given the same unique id and that the ranks match
MPI's. Nothing here is NCCL: it proves minigrad's calls, not NCCL's behaviour on GPUs.
"""
from __future__ import annotations

import ctypes
import sys
import types

import numpy as np

# NCCL's enum values (nccl.h), as cupy.cuda.nccl exposes them
NCCL_INT8, NCCL_UINT8, NCCL_INT32, NCCL_UINT32, NCCL_INT64, NCCL_UINT64 = 0, 1, 2, 3, 4, 5
NCCL_FLOAT16, NCCL_FLOAT32, NCCL_FLOAT64 = 6, 7, 8
NCCL_SUM, NCCL_PROD, NCCL_MAX, NCCL_MIN, NCCL_AVG = 0, 1, 2, 3, 4

_DTYPES = {NCCL_INT8: np.int8, NCCL_UINT8: np.uint8, NCCL_INT32: np.int32, NCCL_UINT32: np.uint32,
           NCCL_INT64: np.int64, NCCL_UINT64: np.uint64, NCCL_FLOAT16: np.float16,
           NCCL_FLOAT32: np.float32, NCCL_FLOAT64: np.float64}


def _mpi():
    from mpi4py import MPI
    return MPI


def _ops():
    MPI = _mpi()
    return {NCCL_SUM: MPI.SUM, NCCL_PROD: MPI.PROD, NCCL_MAX: MPI.MAX, NCCL_MIN: MPI.MIN}


def get_unique_id():
    """128 random bytes as a tuple of ints, as cupy returns it."""
    return tuple(int(b) for b in np.random.default_rng().integers(-128, 128, 128))


def _view(ptr, count, datatype):
    dtype = np.dtype(_DTYPES[datatype])
    if count == 0:
        return np.empty(0, dtype)
    buffer = (ctypes.c_char * (count * dtype.itemsize)).from_address(ptr)
    return np.frombuffer(buffer, dtype=dtype, count=count)


class NcclCommunicator:
    def __init__(self, ndev, commId, rank):
        MPI = _mpi()
        self._comm = MPI.COMM_WORLD.Dup()
        if ndev != self._comm.Get_size() or rank != self._comm.Get_rank():
            raise RuntimeError(f"fake nccl: NcclCommunicator(ndev={ndev}, rank={rank}) in an MPI "
                               f"world of {self._comm.Get_size()} where this is rank {self._comm.Get_rank()}")
        ids = self._comm.allgather(tuple(commId))
        if any(i != ids[0] for i in ids) or len(ids[0]) != 128:
            raise RuntimeError("fake nccl: the ranks were given different unique ids")
        self.calls = []

    def size(self):
        return self._comm.Get_size()

    def rank_id(self):
        return self._comm.Get_rank()

    def allReduce(self, sendbuf, recvbuf, count, datatype, op, stream):
        self.calls.append("allReduce")
        MPI = _mpi()
        recv = _view(recvbuf, count, datatype)
        if op == NCCL_AVG:
            raise RuntimeError("fake nccl: NCCL_AVG is not modelled")
        send = MPI.IN_PLACE if sendbuf == recvbuf else _view(sendbuf, count, datatype)
        self._comm.Allreduce(send, recv, op=_ops()[op])

    def bcast(self, buff, count, datatype, root, stream):
        self.calls.append("bcast")
        self._comm.Bcast(_view(buff, count, datatype), root=root)

    def allGather(self, sendbuf, recvbuf, count, datatype, stream):
        self.calls.append("allGather")
        self._comm.Allgather(_view(sendbuf, count, datatype),
                             _view(recvbuf, count * self.size(), datatype))

    def reduceScatter(self, sendbuf, recvbuf, recvcount, datatype, op, stream):
        self.calls.append("reduceScatter")
        self._comm.Reduce_scatter_block(_view(sendbuf, recvcount * self.size(), datatype),
                                        _view(recvbuf, recvcount, datatype), op=_ops()[op])

    def destroy(self):
        self._comm.Free()


def install(cupy):
    """Make ``cupy.cuda.nccl`` (and ``from cupy.cuda import nccl``) this module."""
    module = sys.modules[__name__]
    cupy.cuda.nccl = module
    sys.modules["cupy.cuda.nccl"] = module
    return module
