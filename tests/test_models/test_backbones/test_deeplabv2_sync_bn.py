"""``frozen_bn_stats`` survives ``sync_bn``: two gloo ranks, DeepLab-v2 converted to SyncBatchNorm as the Runner does.

``sync_bn="torch"`` makes mmengine's Runner replace every BN with ``SyncBatchNorm`` before wrapping
the model in DDP. ``DeepLabV2ResNet.train`` used to test ``isinstance(m, nn.BatchNorm2d)``, which a
``SyncBatchNorm`` is not, so the converted layers trained on and their statistics moved (on a CPU
the train-mode SyncBatchNorm refuses to run at all, which is how this test failed before the fix).
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dareg.models.backbones import DeepLabV2ResNet


def _rank(rank: int, init_file: str, results) -> None:
    import torch.distributed as dist
    from mmengine.model import convert_sync_batchnorm

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    try:
        torch.manual_seed(0)  # the same weights on both ranks
        net = convert_sync_batchnorm(DeepLabV2ResNet(depth=50, frozen_bn_stats=True), implementation="torch")
        norms = [m for m in net.modules() if isinstance(m, nn.SyncBatchNorm)]
        before = {id(m): (m.running_mean.clone(), m.running_var.clone(), int(m.num_batches_tracked)) for m in norms}
        reference = [f.detach() for f in net.eval()(torch.full((1, 3, 33, 33), 0.0))]  # eval: running statistics
        net.train()  # (DDP refuses SyncBatchNorm on CPU modules; the process group is what SyncBatchNorm reads)
        torch.manual_seed(1 + rank)  # different data on each rank
        inputs = torch.randn(2, 3, 33, 33) * 3 + 1
        sum(f.mean() for f in net(inputs)).backward()
        frozen_output = [f.detach() for f in net(torch.full((1, 3, 33, 33), 0.0))]
        moved = [
            id(m)
            for m in norms
            if not torch.equal(m.running_mean, before[id(m)][0])
            or not torch.equal(m.running_var, before[id(m)][1])
            or int(m.num_batches_tracked) != before[id(m)][2]
        ]
        grad = net.conv1.weight.grad.flatten()[:64].tolist()  # (small: the queue is read after the ranks end)
        results.put(
            (
                rank,
                len(norms),
                net.training,
                [m.training for m in norms],
                moved,
                all(torch.equal(a, b) for a, b in zip(reference, frozen_output)),
                grad,
            )
        )
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
def test_frozen_statistics_stay_frozen_after_sync_bn_on_two_ranks(tmp_path):
    import torch.multiprocessing as mp

    results = mp.get_context("fork").SimpleQueue()
    mp.start_processes(_rank, args=(str(tmp_path / "init"), results), nprocs=2, start_method="fork", join=True)
    by_rank = {item[0]: item[1:] for item in [results.get(), results.get()]}
    for rank in (0, 1):
        count, net_training, norm_training, moved, uses_running_stats, _ = by_rank[rank]
        assert count == 1 + 3 * (3 + 4 + 6 + 3) + 4  # every BN converted: stem, 3 per bottleneck, 4 downsamples
        assert net_training and not any(norm_training)  # train() kept every SyncBatchNorm in eval mode
        assert moved == []  # running mean, variance and batch count untouched by training batches
        assert uses_running_stats
    assert any(by_rank[0][-1]) and by_rank[0][-1] != by_rank[1][-1]  # gradients flow, from each rank's own data
