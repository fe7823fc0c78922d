"""What the GPU check (:mod:`dareg.benchmark.gpu_check`) trains: its configs, real and dry, and how they load.

Each :class:`Case` pairs the real setting (the reference config at its real input size) with the dry
run's toy one (a demo config, batch 2). :func:`load_setting` applies a setting's overrides and
switches every pretrained-weights file off (:func:`without_pretrained_weights`): the check needs no
files, and random weights cost the same.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

#: The three precisions / memory formats every algorithm trains in.
MODES = ("fp32", "amp", "channels_last")


@dataclass(frozen=True)
class Setting:
    """A config as the check runs it.

    Args:
        config: A ``dareg::`` config name.
        input_size: ``(height, width)`` of the synthetic images; None takes the pipeline's.
        batch_size: Per-domain batch size; None keeps the config's.
        options: Config overrides (dotted keys, as ``--cfg-options``).
    """

    config: str
    input_size: tuple[int, int] | None = None
    batch_size: int | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One algorithm (or one measured setting): the real setting and the dry run's toy one."""

    name: str
    real: Setting
    dry: Setting

    def setting(self, dry: bool) -> Setting:
        """The dry run's setting if ``dry``, else the real one."""
        return self.dry if dry else self.real


def _digits(config: str, **options: Any) -> Setting:
    return Setting(f"dareg::demo/{config}", batch_size=2, options=options)


#: (real, dry) settings used by more than one part of the check.
_ADAPTSEGNET = (
    Setting("dareg::adaptseg/gta2cityscapes.py", batch_size=1),
    Setting("dareg::demo/adaptseg_synthetic.py", input_size=(32, 64), batch_size=1),
)
_CYCLEGAN = (Setting("dareg::cyclegan/horse2zebra.py", input_size=(256, 256)), _digits("cyclegan_digits.py"))
_PIXELDA = (Setting("dareg::pixelda/mnist2mnistm.py"), _digits("pixelda_digits.py"))

#: Every algorithm, with the config of its reference setting (ADDA switches to adaptation after one
#: iteration, so that both phases run; CyCADA's stage (a) network keeps its random weights).
ALGORITHMS: tuple[Case, ...] = (
    Case("AdaptSegNet", *_ADAPTSEGNET),
    Case(
        "ADDA",
        Setting("dareg::adda/svhn2mnist.py", options={"model.pretrain_iters": 1}),
        _digits("adda_digits.py", **{"model.pretrain_iters": 1}),
    ),
    Case("PixelDA", *_PIXELDA),
    Case("CycleGAN", *_CYCLEGAN),
    Case("DiscoGAN", Setting("dareg::discogan/edges2shoes.py", input_size=(64, 64)), _digits("discogan_digits.py")),
    Case("CyCADA", Setting("dareg::cycada/gta2cityscapes_stage_b_cycada.py"), _digits("cycada_digits.py")),
    Case(
        "SourceOnly",
        Setting("dareg::source_only/gta2cityscapes_deeplabv2.py", batch_size=1),
        _digits("source_only_digits.py"),
    ),
    Case("DANN", Setting("dareg::dann/office31/a2w.py"), _digits("dann_digits.py")),
    Case("CDAN", Setting("dareg::cdan/office31/a2w.py"), _digits("cdan_digits.py")),
    Case("MCD", Setting("dareg::mcd/office31/a2w.py"), _digits("mcd_digits.py")),
    Case("MDD", Setting("dareg::mdd/office31/a2w.py"), _digits("mdd_digits.py")),
)

#: The settings whose step time and memory are measured eager and compiled.
PERFORMANCE: tuple[Case, ...] = (
    Case("AdaptSegNet, DeepLab-v2 R101, 1280x720 + 1024x512, batch 1 + 1", *_ADAPTSEGNET),
    Case("CycleGAN, ResNet-9 / PatchGAN, 256x256, batch 1 + 1", *_CYCLEGAN),
    Case("PixelDA, 32x32, batch 32 + 32", *_PIXELDA),
)

#: The algorithm of the two-process DDP run.
DDP_CASE = Case("PixelDA", *_PIXELDA)


# --- loading -----------------------------------------------------------------------------------------


def without_pretrained_weights(node: Any, path: str = "model") -> list[str]:
    """Switch off every pretrained-weights file or download under ``node`` (in place); returns the keys.

    ``pretrained`` (a path, or True for a download), ``checkpoint_path``, ``task_checkpoint`` and
    ``init_cfg=dict(type="Pretrained")`` are set to None / False: the check needs no files, and
    random weights cost the same.
    """
    changed: list[str] = []
    if isinstance(node, dict):
        for key, value in list(node.items()):
            where = f"{path}.{key}"
            if key == "pretrained" and value:
                node[key] = False if value is True else None
                changed.append(where)
            elif (key in ("checkpoint_path", "task_checkpoint") and value) or _pretrained_init(key, value):
                node[key] = None
                changed.append(where)
            else:
                changed += without_pretrained_weights(value, where)
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            changed += without_pretrained_weights(value, f"{path}[{index}]")
    return changed


def _pretrained_init(key: str, value: Any) -> bool:
    return key == "init_cfg" and isinstance(value, dict) and value.get("type") == "Pretrained"


def load_setting(setting: Setting) -> Any:
    """The setting's config with its overrides applied and its pretrained weights switched off."""
    from dareg.utils.config import load_config

    cfg = load_config(setting.config)
    if setting.options:
        cfg.merge_from_dict(dict(setting.options))
    without_pretrained_weights(cfg._cfg_dict["model"])
    return cfg


def compile_options(dry: bool) -> Any:
    """Inductor on the GPU; TorchDynamo's ``eager`` backend in the dry run.

    The dry run checks that compiled networks train (capture, guards, recompilation, DDP); inductor's
    C++ build would take minutes on a small CPU, and the tests of :mod:`dareg.engine.compilation`
    cover the autograd path with ``aot_eager``.
    """
    from dareg.engine.compilation import CompileOptions

    return CompileOptions(backend="eager" if dry else "inductor")


# --- one training check, shared by the full and the quick mode ----------------------------------


def error_text(error: BaseException) -> str:
    """The error and the last frames of its traceback, for a report."""
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return f"{type(error).__name__}: {error}".strip() + "\n" + "".join(lines[-4:])


#: Untimed iterations before the timed ones: under AMP more, so that the loss scale can settle.
WARMUP = {"fp32": 1, "amp": 3, "channels_last": 1}


def check_training(case: Case, mode: str, dry: bool) -> dict[str, Any]:
    """Train ``case`` for 1 (3 under AMP) + 2 (+1) iterations in ``mode``; its checks, step time, CUDA peak, any error.

    Under AMP an optimizer whose steps the loss scaler skipped while its scale fell (inf gradients
    at the initial scale of 65,536) is listed in ``skipped_while_settling``, not as a failure.
    """
    from dareg.benchmark.runner import benchmark_training

    setting = case.setting(dry)
    result: dict[str, Any] = dict(algorithm=case.name, mode=mode, config=setting.config, passed=False)
    try:
        cfg = load_setting(setting)
        if mode == "channels_last":
            cfg.custom_hooks = [*(cfg.get("custom_hooks") or []), dict(type="ChannelsLastHook")]
        report = benchmark_training(
            cfg,
            warmup=WARMUP[mode],
            iters=2,
            amp=mode == "amp",
            synthetic=True,
            input_size=setting.input_size,
            batch_size=setting.batch_size,
            memory=False,
        )
        checks = report.checks
        idle = [name for name, steps in checks["steps"].items() if steps == 0]
        settling = [name for name in idle if name in checks.get("settling", ())]
        not_stepped = [name for name in idle if name not in settling]
        result.update(
            checks=checks,
            step=report.step["median"],
            peak=(report.memory_in_run or {}).get("framework"),
            notes=report.notes,
            device=report.device,
            not_stepped=not_stepped,
            skipped_while_settling=settling,
            passed=bool(checks["passed"]) and not not_stepped,
        )
    except Exception as error:  # one broken algorithm must not hide the others
        result["error"] = error_text(error)
    return result
