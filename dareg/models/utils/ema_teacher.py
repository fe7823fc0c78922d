"""The mean teacher of self-training: a frozen copy of a network that follows it by exponential moving average.

DACS (vikolss/DACS ``trainUDA.py:111-121``) and DAFormer (lhoyer/DAFormer ``mmseg/models/uda/dacs.py:104-115``)
make their pseudo-labels with a teacher whose parameters average the student's::

    teacher = alpha_t * teacher + (1 - alpha_t) * student,    alpha_t = min(1 - 1 / (t + 1), alpha)

with ``t`` the global iteration (alpha 0.99 in DACS, 0.999 in DAFormer). ``alpha_0 = 0``: at iteration 0
the teacher *is* the student, and :meth:`EMATeacher.update` copies it then (parameters and buffers),
as DAFormer does (``dacs.py:104-115``). Because ``train_step`` runs after mmengine's ``init_weights``
and after ``load_from``, that copy sees the student's final initial weights; a copy made in the
algorithm's ``__init__`` would not. On resume the iteration is past 0, so the teacher comes from the
checkpoint (it is a sub-module, so it is part of the ``state_dict``).

The teacher never has gradients (``requires_grad`` is off for all its parameters, and its forward
runs under ``no_grad``), so no optimizer and no DDP wrapper touches it, and it is the same on every
rank because it is computed from the student's (synchronised) parameters.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn
from torch.nn.modules.dropout import _DropoutNd
from torch.nn.parallel import DistributedDataParallel

from dareg.registry import MODELS

#: How :meth:`EMATeacher.update` treats buffers (BN statistics) after the copy at iteration 0.
BUFFER_MODES = ("keep", "average", "copy")


def ema_alpha(iteration: int, alpha: float) -> float:
    """The DACS schedule ``min(1 - 1 / (iteration + 1), alpha)``: 0 at iteration 0, then rising to ``alpha``.

    Examples:
        >>> [round(ema_alpha(t, 0.99), 4) for t in (0, 1, 3, 99, 1000)]
        [0.0, 0.5, 0.75, 0.99, 0.99]
    """
    if iteration < 0:
        raise ValueError(f"ema_alpha: the iteration must be >= 0, got {iteration}")
    return min(1.0 - 1.0 / (iteration + 1), alpha)


def unwrap(module: nn.Module) -> nn.Module:
    """The network inside a DDP wrapper (dareg's per-sub-network wrappers included), else ``module``."""
    return module.module if isinstance(module, DistributedDataParallel) else module


def _is_dropout(module: nn.Module) -> bool:
    # DropPath has no common base class: timm, smp and DAFormer each define their own
    return isinstance(module, _DropoutNd) or type(module).__name__ == "DropPath"


@MODELS.register_module()
class EMATeacher(nn.Module):
    """A frozen copy of ``student`` that :meth:`update` moves towards the student by EMA.

    The copy made here only gives the teacher its structure (and ``state_dict`` keys); its values are
    set by ``update(student, 0)`` at the first training iteration. Call :meth:`update` once per
    ``train_step``, before the teacher makes pseudo-labels (DAFormer's order, ``dacs.py:104-115``)::

        self.teacher.update(self.segmentor, self.current_iter)   # a copy at iteration 0
        pseudo = self.pseudo_labeller(self.teacher(target_images)[-1])

    (DACS updates after the optimizer step instead, ``trainUDA.py:509-511``: call
    ``update(student, self.current_iter)`` both at the start of iteration 0 and after every step.)

    Calling the teacher runs the copy under ``torch.no_grad()``. While the algorithm trains, the copy
    is in train mode with dropout and DropPath switched off (``dacs.py:263-268``), so normalisation
    layers use the batch's statistics, as in DACS and DAFormer; in eval mode (validation) it is in
    eval mode. The network itself is :attr:`network` (for ``predict`` and per-layer access).

    Args:
        student: The network to follow (a DDP wrapper is looked through).
        alpha: The largest EMA coefficient of the schedule :func:`ema_alpha`. Defaults to 0.999
            (DAFormer; DACS uses 0.99).
        buffers: What updates do with buffers (BN running statistics) after the copy at iteration 0:
            ``"keep"`` leaves them to the teacher's own forward passes (DACS and DAFormer average
            parameters only), ``"average"`` averages floating-point buffers like parameters (integer
            ones are copied), ``"copy"`` copies the student's. Defaults to ``"keep"``.
        train_mode: Run the copy in train mode (without dropout or DropPath) while the algorithm
            trains; False keeps it in eval mode throughout (BN running statistics). Defaults to True.

    Examples:
        >>> student = nn.Linear(1, 1, bias=False)
        >>> teacher = EMATeacher(student, alpha=0.99)
        >>> _ = nn.init.constant_(student.weight, 2.0)    # init_weights / load_from after construction
        >>> teacher.update(student, 0), teacher.network.weight.item()       # iteration 0: a copy
        (0.0, 2.0)
        >>> _ = nn.init.constant_(student.weight, 4.0)
        >>> teacher.update(student, 1), teacher.network.weight.item()       # alpha_1 = 0.5
        (0.5, 3.0)
    """

    def __init__(
        self, student: nn.Module, alpha: float = 0.999, buffers: str = "keep", train_mode: bool = True
    ) -> None:
        super().__init__()
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"EMATeacher: alpha must be in [0, 1], got {alpha}")
        if buffers not in BUFFER_MODES:
            raise ValueError(f"EMATeacher: buffers must be one of {BUFFER_MODES}, got {buffers!r}")
        self.alpha = alpha
        self.buffers_mode = buffers
        self.train_mode = train_mode
        self.network = copy.deepcopy(unwrap(student))
        for param in self.network.parameters():
            param.requires_grad_(False)
            param.grad = None
        self.train(self.training)

    def alpha_at(self, iteration: int) -> float:
        """The EMA coefficient :meth:`update` uses at ``iteration``."""
        return ema_alpha(iteration, self.alpha)

    @torch.no_grad()
    def update(self, student: nn.Module, iteration: int) -> float:
        """Move the teacher towards ``student``: a copy at iteration 0, then EMA; returns the alpha used.

        Raises:
            ValueError: ``student`` does not have the teacher's parameters (not the network it copied).
        """
        student = unwrap(student)
        teacher_params, student_params = self._paired(self.network.named_parameters(), student.named_parameters())
        alpha = self.alpha_at(iteration)
        if alpha == 0.0:  # iteration 0: the teacher becomes the student, buffers included
            torch._foreach_copy_(teacher_params, student_params)
            for mine, theirs in zip(*self._paired(self.network.named_buffers(), student.named_buffers())):
                mine.copy_(theirs)
            return alpha
        torch._foreach_mul_(teacher_params, alpha)
        torch._foreach_add_(teacher_params, student_params, alpha=1.0 - alpha)
        if self.buffers_mode != "keep":
            for mine, theirs in zip(*self._paired(self.network.named_buffers(), student.named_buffers())):
                if self.buffers_mode == "average" and mine.is_floating_point():
                    mine.mul_(alpha).add_(theirs, alpha=1.0 - alpha)
                else:
                    mine.copy_(theirs)
        return alpha

    @staticmethod
    def _paired(mine: Any, theirs: Any) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        mine, theirs = dict(mine), dict(theirs)
        if mine.keys() != theirs.keys():
            different = sorted(mine.keys() ^ theirs.keys())
            raise ValueError(
                f"EMATeacher.update: the student's tensors are not the teacher's (first differences: {different[:5]}); "
                "pass the network the teacher was built from"
            )
        shapes = [name for name in mine if mine[name].shape != theirs[name].shape]
        if shapes:
            raise ValueError(f"EMATeacher.update: the student's {shapes[:5]} differ in shape from the teacher's")
        return list(mine.values()), [theirs[name] for name in mine]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The copy's outputs, without gradients."""
        with torch.no_grad():
            return self.network(*args, **kwargs)

    def train(self, mode: bool = True) -> EMATeacher:
        super().train(mode and self.train_mode)
        self.training = mode
        if mode and self.train_mode:
            for module in self.network.modules():
                if _is_dropout(module):
                    module.eval()
        return self

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, buffers={self.buffers_mode!r}, train_mode={self.train_mode}"
