"""model: a whole network from :mod:`accelbench.models`, random-init weights from a fixed seed."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from accelbench.errors import UserError
from accelbench.workload import WEIGHT_SEED, TensorSpec, Workload, check_known, require_dtype, require_rtol

if TYPE_CHECKING:
    import torch

    from accelbench.usermodels.data import Dataset

_BASE_KNOWN = ("model", "dtype", "batch", "rtol")


@dataclass(frozen=True, eq=False)
class ModelWorkload(Workload):
    """A whole network. With ``dataset`` (the user's ``--data``), inputs are rows of the user's data
    instead of uniform random values, and accuracy can be measured against its labels."""

    kind: str = field(init=False, default="model")
    dataset: Dataset | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_params(cls, params: dict[str, Any], name: str | None = None) -> ModelWorkload:
        from accelbench.models import MODELS

        model = str(params.get("model", ""))
        if model.startswith("user:"):
            raise UserError(f"model {model!r} is a user's model file: build it with accelbench.kinds.make_workload")
        if model not in MODELS:
            known = ", ".join(sorted(MODELS))
            raise UserError(f"unknown model {model!r} for parameter `model` (known: {known})")
        spec = MODELS[model]
        check_known(f"model {model}", params, (*_BASE_KNOWN, *spec.options))
        norm: dict[str, Any] = {"model": model, "dtype": require_dtype(params)}
        norm.update(spec.normalise_options(params))
        if "batch" in params:
            from accelbench.workload import require_int

            norm["batch"] = require_int(params, "batch")
        rtol = require_rtol(params)
        if rtol is not None:
            norm["rtol"] = rtol
        return cls(name=name or model, params=norm)

    @property
    def spec(self) -> Any:
        from accelbench.models import MODELS

        return MODELS[self.params["model"]]

    @property
    def options(self) -> dict[str, Any]:
        return {key: self.params[key] for key in self.spec.options if key in self.params}

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.spec.input_shape(self.options))

    @property
    def inputs(self) -> tuple[TensorSpec, ...]:
        return (TensorSpec("x", self.input_shape, self.dtype),)

    @property
    def is_classifier(self) -> bool:
        return bool(self.spec.classifier)

    @property
    def has_depthwise(self) -> bool:
        return bool(self.spec.depthwise)

    def with_dataset(self, dataset: Dataset) -> ModelWorkload:
        """This workload fed from ``dataset`` (its content digest joins the parameters, so results
        on other data never compare silently)."""
        import dataclasses

        params = {**self.params, "data": str(dataset.path), "data_sha256": dataset.digest, "data_n": dataset.n}
        return dataclasses.replace(self, params=params, dataset=dataset)

    def make_inputs(self, seed: int, batch: int) -> tuple[np.ndarray, ...]:
        """Rows of the user's data (drawn with ``seed``) when a dataset is attached, else random."""
        if self.dataset is None:
            return super().make_inputs(seed, batch)
        if batch < 1:
            raise UserError(f"batch must be a positive integer, got {batch}")
        rows = np.random.default_rng(seed).integers(0, self.dataset.n, size=batch)
        return (self.dataset.x[rows].astype(self.np_dtype),)

    def module(self) -> torch.nn.Module:
        """The network in eval mode with the workload's dtype; same weights on every call."""
        return self._module

    @cached_property
    def _module(self) -> torch.nn.Module:
        import torch

        from accelbench.models import build

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(WEIGHT_SEED)
            net = build(self.params["model"], self.options)
        net.eval()
        return net.to(dtype=getattr(torch, self.dtype))

    @cached_property
    def _module64(self) -> torch.nn.Module:
        import copy

        import torch

        return copy.deepcopy(self._module).to(dtype=torch.float64)

    @cached_property
    def _counts(self) -> tuple[int, int, tuple[int, ...]]:
        from accelbench.models.flops import count

        return count(self._module64, self.input_shape)

    def output_shape(self, batch: int) -> tuple[int, ...]:
        return (batch, *self._counts[2])

    def flops(self, batch: int) -> int:
        return batch * self._counts[0]

    def bytes_moved(self, batch: int) -> int:
        itemsize = np.dtype(self.np_dtype).itemsize
        activations = int(np.prod(self.input_shape)) + int(np.prod(self._counts[2]))
        return itemsize * (batch * activations + self._counts[1])

    def reference(self, inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        import torch

        (x,) = inputs
        with torch.no_grad():
            out = self._module64(torch.from_numpy(x.astype(np.float64)))
        return out.numpy()
