"""Process launching and process-group setup for data-parallel training.

Three ways in, one worker function:
- Launched by `torchrun` (PyTorch >= 2), or by this module's own launcher: `RANK` and
  `WORLD_SIZE` (and `LOCAL_RANK`, `MASTER_ADDR`, `MASTER_PORT`) are in the environment; the
  process joins the group (`env://`) and runs the worker.
- `--nproc N` (and, across machines without torchrun, `--nnodes K --node-rank R --master-addr
  HOST --master-port P` on every machine): this process starts N local copies of the same command
  (`python -m seq2seq_native ...`) with those variables set, waits for them, and stops the others
  when one fails. Debian's torchrun (PyTorch 1.13 on Python 3.11) fails before starting a worker,
  so the launcher never relies on it.
- One process in all: the worker runs here, with no process group.

Backend gloo on CPU, nccl on CUDA (one process per GPU, device `cuda:<local rank>`). Threads: `--threads T`
sets `torch.set_num_threads(T)` and `OMP_NUM_THREADS` in every process; the default is 1 per process
when several share a machine, and PyTorch's own otherwise. Only rank 0 logs and writes.
"""
from __future__ import annotations

import datetime
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

import torch
import torch.distributed as dist

# The folder holding the seq2seq_native package (children get it on PYTHONPATH).
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MASTER_PORT = 29500


class LaunchError(Exception):
    """A launch that cannot work (bad process counts, no such GPU); the message says why."""


@dataclass(frozen=True)
class LaunchOptions:
    nproc: int = 1
    nnodes: int = 1
    node_rank: int = 0
    master_addr: Optional[str] = None
    master_port: Optional[int] = None
    threads: Optional[int] = None
    device: str = "auto"


@dataclass
class DistContext:
    """This process's place in the run."""

    rank: int
    world_size: int
    local_rank: int
    local_world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def all_reduce_sum(self, values: list[float]) -> list[float]:
        """Element-wise sums over every rank (float64 on the wire for gloo, float32-exact counts)."""
        if not self.distributed:
            return list(values)
        t = torch.tensor(values, dtype=torch.float64, device=self._comm_device())
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return [float(x) for x in t.cpu().tolist()]

    def any_of(self, flags: list[bool]) -> list[bool]:
        """Each flag true on every rank when it is true on any (one decision for all, e.g. the time budget)."""
        if not self.distributed:
            return list(flags)
        t = torch.tensor([1 if f else 0 for f in flags], dtype=torch.int32, device=self._comm_device())
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return [bool(x) for x in t.cpu().tolist()]

    def gather_objects(self, obj: Any) -> list[Any]:
        """`obj` of every rank, in rank order (on every rank)."""
        if not self.distributed:
            return [obj]
        out: list[Any] = [None] * self.world_size
        dist.all_gather_object(out, obj)
        return out

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def _comm_device(self) -> torch.device:
        return self.device if dist.get_backend() == "nccl" else torch.device("cpu")


def resolve_device(name: Optional[str]) -> str:
    """'cpu' or 'cuda' ('auto' or None: cuda when PyTorch sees a GPU)."""
    if name in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name not in ("cpu", "cuda"):
        raise LaunchError(f"--device must be cpu, cuda or auto, got {name!r}")
    if name == "cuda" and not torch.cuda.is_available():
        raise LaunchError("--device cuda: PyTorch sees no GPU here (torch.cuda.is_available() is false)")
    return name


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now (the group's rendezvous port for a one-machine run)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _env_int(name: str) -> Optional[int]:
    v = os.environ.get(name)
    if v is None or v == "":
        return None
    try:
        return int(v)
    except ValueError:
        raise LaunchError(f"environment variable {name}={v!r} is not an integer") from None


def launched_rank() -> Optional[tuple[int, int, int, int]]:
    """(rank, world size, local rank, local world size) when a launcher set them, else None."""
    rank = _env_int("RANK")
    world = _env_int("WORLD_SIZE")
    if rank is None or world is None:
        return None
    local = _env_int("LOCAL_RANK")
    local_world = _env_int("LOCAL_WORLD_SIZE")
    if not (0 <= rank < world):
        raise LaunchError(f"RANK={rank} is outside WORLD_SIZE={world}")
    return rank, world, rank if local is None else local, world if local_world is None else local_world


def set_threads(threads: Optional[int], local_world_size: int) -> None:
    """Intra-op threads of this process (default 1 when several processes share the machine)."""
    n = threads if threads is not None else (1 if local_world_size > 1 else None)
    if n is None:
        return
    if n < 1:
        raise LaunchError(f"--threads must be at least 1, got {n}")
    os.environ["OMP_NUM_THREADS"] = str(n)
    torch.set_num_threads(n)


def _device_for(kind: str, local_rank: int) -> torch.device:
    if kind != "cuda":
        return torch.device("cpu")
    count = torch.cuda.device_count()
    if local_rank >= count:
        raise LaunchError(f"local rank {local_rank} has no GPU: this machine has {count} (one process per GPU)")
    torch.cuda.set_device(local_rank)
    return torch.device("cuda", local_rank)


def init_process(options: LaunchOptions) -> DistContext:
    """Joins the process group the environment describes (or none, alone); sets threads and device."""
    kind = resolve_device(options.device)
    env = launched_rank()
    if env is None:
        set_threads(options.threads, 1)
        return DistContext(0, 1, 0, 1, _device_for(kind, 0))
    rank, world, local, local_world = env
    set_threads(options.threads, local_world)
    device = _device_for(kind, local)
    if world > 1 and not dist.is_initialized():
        for name in ("MASTER_ADDR", "MASTER_PORT"):
            if not os.environ.get(name):
                raise LaunchError(f"RANK and WORLD_SIZE are set but {name} is not")
        dist.init_process_group(
            backend="nccl" if kind == "cuda" else "gloo",
            init_method="env://",
            rank=rank,
            world_size=world,
            timeout=datetime.timedelta(minutes=30),
        )
    return DistContext(rank, world, local, local_world, device)


def finish_process(ctx: DistContext) -> None:
    if ctx.distributed and dist.is_initialized():
        dist.destroy_process_group()


def _check(options: LaunchOptions) -> None:
    if options.nproc < 1:
        raise LaunchError(f"--nproc must be at least 1, got {options.nproc}")
    if options.nnodes < 1:
        raise LaunchError(f"--nnodes must be at least 1, got {options.nnodes}")
    if not (0 <= options.node_rank < options.nnodes):
        raise LaunchError(f"--node-rank must be from 0 to {options.nnodes - 1}, got {options.node_rank}")
    if options.nnodes > 1 and not options.master_addr:
        raise LaunchError("--nnodes above 1 needs --master-addr (the host of node rank 0) on every machine")


def spawn_local(command: list[str], options: LaunchOptions) -> int:
    """Starts `options.nproc` copies of `python -m seq2seq_native <command>` as ranks of one group.

    Returns the first non-zero exit status (the other processes are then stopped), else 0.
    """
    _check(options)
    kind = resolve_device(options.device)
    if kind == "cuda" and options.nproc > torch.cuda.device_count():
        raise LaunchError(
            f"--nproc {options.nproc} with --device cuda needs {options.nproc} GPUs; "
            f"this machine has {torch.cuda.device_count()}"
        )
    world = options.nproc * options.nnodes
    addr = options.master_addr or "127.0.0.1"
    port = options.master_port or (free_port(addr) if options.nnodes == 1 else DEFAULT_MASTER_PORT)
    threads = options.threads if options.threads is not None else 1
    base = dict(os.environ)
    base["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, base.get("PYTHONPATH", "")) if p)
    base.update(
        MASTER_ADDR=addr,
        MASTER_PORT=str(port),
        WORLD_SIZE=str(world),
        LOCAL_WORLD_SIZE=str(options.nproc),
        GROUP_RANK=str(options.node_rank),
        OMP_NUM_THREADS=str(threads),
    )
    procs: list[subprocess.Popen] = []
    received: list[int] = []
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else []):
            previous[sig] = signal.signal(sig, lambda signum, frame: received.append(signum))
    try:
        for local in range(options.nproc):
            env = dict(base, RANK=str(options.node_rank * options.nproc + local), LOCAL_RANK=str(local))
            procs.append(subprocess.Popen([sys.executable, "-m", "seq2seq_native", *command], env=env))
        return _wait_all(procs, received)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop(procs, signal.SIGTERM)


def _wait_all(procs: list[subprocess.Popen], received: list[int]) -> int:
    """Waits for every rank; the first non-zero status stops the others and is returned.

    A signal to this process goes on to the ranks (they stop after their current step and save;
    from a terminal they may get the same interrupt directly and count the two once); a second one
    kills them.
    """
    forwarded = 0
    while True:
        if len(received) > forwarded:
            if forwarded == 0:
                _signal_all(procs, received[0])
            else:
                _stop(procs, signal.SIGKILL, grace_s=0)
                return 128 + received[-1]
            forwarded = len(received)
        codes = [p.poll() for p in procs]
        failed = [c for c in codes if c not in (None, 0)]
        if failed:
            _stop(procs, signal.SIGTERM)
            return int(failed[0]) if failed[0] > 0 else 128 - failed[0]
        if all(c == 0 for c in codes):
            return 0
        time.sleep(0.05)


def _signal_all(procs: list[subprocess.Popen], sig: int) -> list[subprocess.Popen]:
    alive = [p for p in procs if p.poll() is None]
    for p in alive:
        try:
            p.send_signal(sig)
        except ProcessLookupError:
            pass
    return alive


def _stop(procs: list[subprocess.Popen], sig: int, grace_s: float = 10.0) -> None:
    """Sends `sig` to the children still running, then kills those that outlive the grace time."""
    alive = _signal_all(procs, sig)
    deadline = time.time() + grace_s
    for p in alive:
        try:
            p.wait(timeout=max(0.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def launch(command: list[str], options: LaunchOptions, worker: Callable[[DistContext], int]) -> int:
    """Runs `worker` as this process's rank when a launcher set the ranks, alone when the run has
    one process, else starts the local ranks (re-running `command`) and waits for them."""
    _check(options)
    if launched_rank() is None and options.nproc * options.nnodes > 1:
        return spawn_local(command, options)
    ctx = init_process(options)
    try:
        return int(worker(ctx) or 0)
    finally:
        finish_process(ctx)


def wrap_model(model: torch.nn.Module, ctx: DistContext, find_unused_parameters: bool = False) -> torch.nn.Module:
    """The model DistributedDataParallel-wrapped for a run of several processes, else itself."""
    if not ctx.distributed:
        return model
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(
        model,
        device_ids=[ctx.device.index] if ctx.device.type == "cuda" else None,
        find_unused_parameters=find_unused_parameters,
    )
