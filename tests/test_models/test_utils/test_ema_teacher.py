"""EMATeacher: the DACS schedule, the EMA by hand, the copy at iteration 0, buffers, no gradient."""

from __future__ import annotations

import doctest

import pytest
import torch
from torch import nn

import dareg.models.utils.ema_teacher as ema_module
from dareg.models.utils import EMATeacher, ema_alpha
from dareg.registry import MODELS


def constant_(module: nn.Module, value: float) -> None:
    with torch.no_grad():
        for param in module.parameters():
            param.fill_(value)


class Net(nn.Module):
    """A conv, a BN (buffers: running_mean/var, num_batches_tracked), a dropout."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 1)
        self.bn = nn.BatchNorm2d(2)
        self.drop = nn.Dropout(0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.bn(self.conv(x)))


@pytest.mark.parametrize(
    "iteration,alpha,expected",
    # min(1 - 1/(t+1), alpha): DACS trainUDA.py:111-121
    [(0, 0.99, 0.0), (1, 0.99, 0.5), (3, 0.99, 0.75), (9, 0.99, 0.9), (99, 0.99, 0.99), (5000, 0.99, 0.99),
     (99, 0.999, 0.99), (999, 0.999, 0.999), (10**6, 0.999, 0.999)],
)
def test_dacs_schedule(iteration, alpha, expected):
    assert ema_alpha(iteration, alpha) == pytest.approx(expected, abs=1e-12)
    assert EMATeacher(nn.Linear(1, 1), alpha=alpha).alpha_at(iteration) == pytest.approx(expected, abs=1e-12)


def test_copy_at_iteration_zero_then_ema_by_hand():
    student = nn.Linear(2, 1)
    teacher = EMATeacher(student, alpha=0.99)
    constant_(student, 4.0)  # what init_weights / load_from do after the algorithm's __init__
    assert teacher.update(student, 0) == 0.0
    assert torch.equal(teacher.network.weight, torch.full((1, 2), 4.0))  # a copy, not the construction-time values
    constant_(student, 8.0)
    assert teacher.update(student, 3) == 0.75  # 0.75 * 4 + 0.25 * 8 = 5
    assert torch.equal(teacher.network.weight, torch.full((1, 2), 5.0))
    assert torch.equal(teacher.network.bias, torch.full((1,), 5.0))
    constant_(student, 105.0)
    teacher.update(student, 200)  # alpha = 0.99: 0.99 * 5 + 0.01 * 105 = 6
    torch.testing.assert_close(teacher.network.weight, torch.full((1, 2), 6.0))


def test_the_teacher_gets_no_gradient_and_is_in_no_parameter_list_that_trains():
    student = nn.Linear(3, 2)
    holder = nn.Module()
    holder.student, holder.teacher = student, EMATeacher(student)
    assert all(not p.requires_grad for p in holder.teacher.parameters())
    assert all(p.requires_grad for p in student.parameters())  # the student is untouched
    trainable = {id(p) for p in holder.parameters() if p.requires_grad}
    assert trainable == {id(p) for p in student.parameters()}
    x = torch.randn(4, 3, requires_grad=True)
    out = holder.teacher(x)
    assert not out.requires_grad and out.grad_fn is None
    (student(x).sum() + holder.teacher(x).sum()).backward()
    assert all(p.grad is None for p in holder.teacher.parameters())
    keys = ["student.bias", "student.weight", "teacher.network.bias", "teacher.network.weight"]
    assert sorted(holder.state_dict()) == keys


def bn_with_statistics(mean: float, var: float, batches: int) -> Net:
    net = Net()
    net.bn.running_mean.fill_(mean)
    net.bn.running_var.fill_(var)
    net.bn.num_batches_tracked.fill_(batches)
    return net


@pytest.mark.parametrize(
    "buffers,expected_mean,expected_batches",
    [("keep", 2.0, 1), ("average", 0.5 * 2.0 + 0.5 * 6.0, 7), ("copy", 6.0, 7)],
)
def test_buffer_modes(buffers, expected_mean, expected_batches):
    student = bn_with_statistics(2.0, 3.0, 1)
    teacher = EMATeacher(student, buffers=buffers)
    teacher.update(student, 0)  # iteration 0 copies buffers in every mode
    assert teacher.network.bn.running_mean.tolist() == [2.0, 2.0]
    student.bn.running_mean.fill_(6.0)
    student.bn.num_batches_tracked.fill_(7)
    teacher.update(student, 1)  # alpha_1 = 0.5
    assert teacher.network.bn.running_mean.tolist() == [expected_mean] * 2
    assert int(teacher.network.bn.num_batches_tracked) == expected_batches  # integer buffers are copied, not averaged


def test_train_mode_keeps_batch_statistics_without_dropout_and_eval_mode_follows():
    teacher = EMATeacher(Net())
    holder = nn.Sequential(teacher)
    holder.train()
    assert teacher.training and teacher.network.training and teacher.network.bn.training
    assert not teacher.network.drop.training  # DAFormer dacs.py:263-268
    x = torch.randn(2, 2, 3, 3)
    torch.testing.assert_close(teacher(x), teacher(x))  # no dropout noise
    holder.eval()
    assert not teacher.network.training and not teacher.network.bn.training
    frozen_stats = EMATeacher(Net(), train_mode=False).train()
    assert frozen_stats.training and not frozen_stats.network.training and not frozen_stats.network.bn.training


def test_update_refuses_a_network_that_is_not_the_student():
    teacher = EMATeacher(nn.Linear(2, 1))
    with pytest.raises(ValueError, match="not the teacher's"):
        teacher.update(nn.Sequential(nn.Linear(2, 1)), 1)
    with pytest.raises(ValueError, match="differ in shape"):
        teacher.update(nn.Linear(3, 1), 1)
    with pytest.raises(ValueError, match="alpha must be in"):
        EMATeacher(nn.Linear(2, 1), alpha=1.5)
    with pytest.raises(ValueError, match="buffers must be one of"):
        EMATeacher(nn.Linear(2, 1), buffers="mean")


def test_registered_and_buildable_with_the_student_as_default_argument():
    student = nn.Linear(2, 2)
    teacher = MODELS.build(dict(type="EMATeacher", alpha=0.9), default_args=dict(student=student))
    assert isinstance(teacher, EMATeacher) and teacher.alpha == 0.9


def test_docstring_examples_run():
    assert doctest.testmod(ema_module).failed == 0
