"""The runner's kernel channels: a reply whose wake-up was lost is still read within one slice, and a deadline
is still a deadline (a cell that runs too long stays a timeout)."""

from __future__ import annotations

import asyncio
import time
from queue import Empty

import pytest
from jupyter_client.channels import AsyncZMQSocketChannel

from msevidence.reports import kernel


@pytest.fixture
def lost_wakeup(monkeypatch):
    """A socket whose reply is already there but whose wait only ends at its timeout (the lost signal)."""
    waits: list[float | None] = []

    async def get_msg(self, timeout=None):
        waits.append(timeout)
        if timeout is None:
            await asyncio.sleep(3600)  # the unsliced wait: never woken
        await asyncio.sleep(timeout)
        if self.reply is None:
            raise Empty
        return self.reply  # the final check at the timeout finds it

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", get_msg)
    monkeypatch.setattr(kernel, "SLICE_S", 0.05)
    return waits


def _channel(reply):
    ch = kernel.SlicedChannel.__new__(kernel.SlicedChannel)
    ch.reply = reply
    return ch


def test_a_reply_is_read_within_one_slice_however_long_the_wait(lost_wakeup):
    msg = asyncio.run(asyncio.wait_for(_channel({"msg_type": "execute_reply"}).get_msg(timeout=600), 5))
    assert msg == {"msg_type": "execute_reply"}
    assert lost_wakeup == [pytest.approx(0.05, abs=0.01)]
    lost_wakeup.clear()
    assert asyncio.run(asyncio.wait_for(_channel({"n": 1}).get_msg(timeout=None), 5)) == {"n": 1}
    assert lost_wakeup == [0.05]  # an unbounded wait is sliced too


def test_the_deadline_is_kept(lost_wakeup):
    t0 = time.monotonic()
    with pytest.raises(Empty):
        asyncio.run(_channel(None).get_msg(timeout=0.3))
    assert time.monotonic() - t0 >= 0.3  # not given up before the deadline
    assert len(lost_wakeup) >= 5 and all(w <= 0.05 for w in lost_wakeup)


def test_the_runner_gives_papermill_this_client():
    km = kernel.RunnerKernelManager()
    client = km.client()
    assert client.shell_channel_class is kernel.SlicedChannel
    assert client.iopub_channel_class is kernel.SlicedChannel


@pytest.mark.slow
def test_a_cell_that_runs_past_the_timeout_is_a_failed_page(tmp_path):
    import jupytext

    from msevidence import reports

    nb = tmp_path / "slow.ipynb"
    jupytext.write(jupytext.reads('# %%\nprint("started")\n\n# %%\nimport time\n\ntime.sleep(60)\n', fmt="py:percent"), nb)
    rs = reports.ReportSet(name="slow", runs=[reports.Run(name="slow", notebook=str(nb), audience="lay")])
    [res] = reports.render(rs, out=tmp_path / "out", workers=1, timeout=2)
    assert res.status == "failed" and "CellTimeoutError" in res.error, res.error
    assert res.outputs == {"notebook": "slow.failed.ipynb", "analyst": "slow.failed.analyst.html"}
    assert not (tmp_path / "out" / "slow" / "slow.lay.html").exists()


def test_each_kernel_gets_its_own_curve_keys():
    a, b = kernel.RunnerKernelManager(), kernel.RunnerKernelManager()
    assert a.curve_secretkey and a.curve_publickey and a.curve_publickey != b.curve_publickey


@pytest.mark.slow
def test_the_kernel_runs_encrypted_and_says_nothing_about_tcp_on_the_terminal(tmp_path, capfd):
    import jupytext

    from msevidence import reports

    nb = tmp_path / "hello.ipynb"
    jupytext.write(jupytext.reads('# %%\nprint("hello")\n', fmt="py:percent"), nb)
    rs = reports.ReportSet(name="hello", runs=[reports.Run(name="hello", notebook=str(nb), audience="lay")])
    [res] = reports.render(rs, out=tmp_path / "out", workers=1)
    assert res.status == "ok", res.error
    err = capfd.readouterr().err  # the kernel's stderr is the terminal's (fd 2, inherited by workers and kernels)
    assert "without encryption" not in err and "hello" not in err


TINY = """\
# %% tags=["parameters"]
value: int = 1  # a number to show

# %%
print(f"value is {value}")
"""


def _job(tmp_path) -> dict:
    import jupytext

    jupytext.write(jupytext.reads(TINY, fmt="py:percent"), tmp_path / "tiny.ipynb")
    (tmp_path / "stage").mkdir()
    return {"stage": str(tmp_path / "stage"), "name": "r", "notebook": str(tmp_path / "tiny.ipynb"),
            "parameters": {"value": 2}, "timeout": 60, "audiences": ["lay"], "title": "t"}


@pytest.mark.parametrize("deaths", [2, 3])
def test_a_kernel_that_dies_before_its_first_reply_is_started_again(deaths, tmp_path, monkeypatch):
    """Two kernels starting at once can be given the same port; the one that loses exits before replying. Its
    start is tried again (nothing ran), up to KERNEL_START_TRIES in all; then the page fails with the reason."""
    import papermill as pm

    from msevidence.reports import execute

    real, calls = pm.execute_notebook, []

    def dies_first(*args, **kwargs):
        calls.append(1)
        if len(calls) <= deaths:
            raise RuntimeError(execute.DIED_AT_START)
        return real(*args, **kwargs)

    monkeypatch.setattr(pm, "execute_notebook", dies_first)
    res = execute._execute(_job(tmp_path))
    if deaths < execute.KERNEL_START_TRIES:
        assert res["status"] == "ok" and len(calls) == deaths + 1, res
        assert "value is 2" in (tmp_path / "stage" / "r.lay.html").read_text()
    else:
        assert res["status"] == "failed" and len(calls) == execute.KERNEL_START_TRIES
        assert execute.DIED_AT_START in res["error"]


def test_a_cell_error_is_not_tried_again(tmp_path, monkeypatch):
    import papermill as pm

    from msevidence.reports import execute

    calls = []

    def fails(*args, **kwargs):
        calls.append(1)
        raise pm.PapermillExecutionError(0, 1, "x = 1", "ValueError", "bad", ["trace"])

    monkeypatch.setattr(pm, "execute_notebook", fails)
    res = execute._execute(_job(tmp_path))
    assert res["status"] == "failed" and calls == [1] and "ValueError: bad" in res["error"]
