"""The kernel client the report runner gives papermill: no reply is waited for past its arrival.

A cell that shows ipywidgets (``bayes_explorer``, the teaching sliders) sometimes stalled until the cell timeout
(600 s) and then succeeded, so its reply had arrived in time and was only read when the wait ended.
``zmq.asyncio`` waits on a socket's file descriptor, which signals a change of state, not a waiting message; a
signal consumed before nbclient's wait began is lost, and the wait lasts until its timeout, whose final check
finds the reply (the same stall on widget cells: jupyter/nbclient#312). Here every wait on a channel is cut into
slices of :data:`SLICE_S` seconds, each ending with that check, so a lost signal costs at most one slice; the
cell's deadline is kept, so a cell that really runs too long is still a timeout (a failed page).

The kernel's sockets are encrypted with a CurveZMQ key pair made for each kernel (ipykernel otherwise warns, on
the reader's terminal, that it "is running over TCP without encryption").
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

import zmq
from jupyter_client import AsyncKernelManager
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Bytes, DottedObjectName, Type, default

SLICE_S = 1.0


class SlicedChannel(AsyncZMQSocketChannel):
    """A channel whose waits poll the socket at least every :data:`SLICE_S` seconds."""

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = SLICE_S if deadline is None else max(0.0, min(SLICE_S, deadline - time.monotonic()))
            try:
                return await super().get_msg(timeout=left)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class RunnerKernelClient(AsyncKernelClient):
    shell_channel_class = Type(SlicedChannel)
    iopub_channel_class = Type(SlicedChannel)


class RunnerKernelManager(AsyncKernelManager):
    client_class = DottedObjectName(f"{__name__}.RunnerKernelClient")
    client_factory = Type(RunnerKernelClient)
    curve_publickey = Bytes(allow_none=True)
    curve_secretkey = Bytes(allow_none=True)

    def _curve_keys(self) -> tuple[bytes, bytes] | tuple[None, None]:
        if not hasattr(self, "_curve"):
            self._curve = zmq.curve_keypair() if zmq.has("curve") else (None, None)
        return self._curve

    @default("curve_publickey")
    def _default_public(self) -> bytes | None:
        return self._curve_keys()[0]

    @default("curve_secretkey")
    def _default_secret(self) -> bytes | None:
        return self._curve_keys()[1]
