"""Hooks dareg adds to mmengine's."""

from dareg.engine.hooks.best_checkpoint_hook import BestCheckpointHook
from dareg.engine.hooks.checkpoint_hook import CheckpointWriteError, SafeCheckpointHook
from dareg.engine.hooks.compile_hook import CompileHook
from dareg.engine.hooks.deterministic_mode_hook import DeterministicModeError, DeterministicModeHook
from dareg.engine.hooks.finite_loss_hook import FiniteLossHook, NonFiniteLossError, NonFiniteWeightsError
from dareg.engine.hooks.labelled_pixels_hook import LabelledPixelsHook, NoLabelledPixelsError
from dareg.engine.hooks.log_history_hook import LogHistoryLimitHook
from dareg.engine.hooks.memory_hooks import ActivationCheckpointHook, ChannelsLastHook
from dareg.engine.hooks.preemption_hook import NoCheckpointHookError, PreemptionHook, TrainingPreempted
from dareg.engine.hooks.random_state_hook import RandomStateHook
from dareg.engine.hooks.rank_consistency_hook import RankConsistencyHook, RankDivergenceError
from dareg.engine.hooks.resume_lr_hook import ResumeLearningRateHook
from dareg.engine.hooks.seg_prediction_saver_hook import SegPredictionSaverHook
from dareg.engine.hooks.seg_visualization_hook import SegVisualizationHook
from dareg.engine.hooks.strict_load_hook import CheckpointMismatchError, StrictLoadHook
from dareg.engine.hooks.translation_visualization_hook import TranslationVisualizationHook

__all__ = [
    "ActivationCheckpointHook",
    "BestCheckpointHook",
    "ChannelsLastHook",
    "CheckpointMismatchError",
    "CheckpointWriteError",
    "CompileHook",
    "DeterministicModeError",
    "DeterministicModeHook",
    "FiniteLossHook",
    "LabelledPixelsHook",
    "LogHistoryLimitHook",
    "NoLabelledPixelsError",
    "NoCheckpointHookError",
    "NonFiniteLossError",
    "NonFiniteWeightsError",
    "PreemptionHook",
    "RandomStateHook",
    "RankConsistencyHook",
    "RankDivergenceError",
    "ResumeLearningRateHook",
    "SafeCheckpointHook",
    "SegPredictionSaverHook",
    "SegVisualizationHook",
    "StrictLoadHook",
    "TrainingPreempted",
    "TranslationVisualizationHook",
]
