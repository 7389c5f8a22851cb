"""A user's own trained network (kind ``model``): loaded from a ``.py`` factory, ONNX or a
``torch.export`` program by :mod:`accelbench.usermodels.source`, with the user's weights (a QONNX
file is a :class:`~accelbench.kinds.qonnx_model.QonnxModelWorkload`: its graph, no torch module).

Every backend that lowers ``model`` workloads lowers it as it lowers a catalog network (it is a
torch module); the parameters carry the file's content hash, so results of a changed model never
compare with older ones. Whether the output is class logits (argmax agreement, top-1 accuracy)
follows the labels of ``--data`` when given (integer labels: classification), else the output's
shape (a row of more than one score per item: classification).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from accelbench.kinds.model import ModelWorkload

if TYPE_CHECKING:
    import torch

    from accelbench.usermodels.source import ModelSource


@dataclass(frozen=True, eq=False)
class UserModelWorkload(ModelWorkload):
    source: ModelSource | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_source(cls, source: ModelSource, dtype: str = "float32") -> UserModelWorkload:
        """The workload for ``source`` (the module is loaded now, so a broken file fails early)."""
        params: dict[str, Any] = {"model": f"user:{source.name}", "format": source.format, "path": str(source.path),
                                  "sha256": source.digest(), "dtype": dtype}
        if source.factory:
            params["factory"] = source.factory
        if source.weights is not None:
            params["weights"] = str(source.weights)
        workload = cls(name=source.name, params=params, source=source)
        _ = workload._loaded  # load now: a broken model is a UserError before anything runs
        return workload

    @classmethod
    def from_params(cls, params: dict[str, Any], name: str | None = None) -> ModelWorkload:
        """Rebuild from stored parameters (a build worker, a Dask worker); the file must still hash
        to the stored digest, else the results would belong to another model."""
        from pathlib import Path

        from accelbench.errors import UserError
        from accelbench.usermodels.source import ModelSource

        try:
            weights = Path(str(params["weights"])) if params.get("weights") else None
            source = ModelSource(Path(str(params["path"])), str(params["format"]), str(params.get("factory", "")),
                                 weights)
            digest = source.digest()
        except (KeyError, OSError) as exc:
            raise UserError(f"user model {params.get('model')}: cannot read its file ({exc})") from None
        if digest != params.get("sha256"):
            raise UserError(f"user model file {source.path} changed since it was measured (sha256 {digest}, "
                            f"stored {params.get('sha256')})")
        workload = cls.from_source(source, str(params.get("dtype", "float32")))
        if params.get("data_sha256"):  # the data is not needed to rebuild the design, but keep the identity
            import dataclasses

            workload = dataclasses.replace(workload, params={**workload.params, **{
                key: params[key] for key in ("data", "data_sha256", "data_n") if key in params}})
        return workload

    @cached_property
    def _loaded(self) -> tuple[torch.nn.Module, tuple[int, ...]]:
        from accelbench.usermodels.source import load

        assert self.source is not None
        return load(self.source)

    @property
    def spec(self) -> Any:
        return None

    @property
    def options(self) -> dict[str, Any]:
        return {}

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self._loaded[1]

    @property
    def is_classifier(self) -> bool:
        if self.dataset is not None and self.dataset.y is not None:
            return self.dataset.y.dtype.kind in "iub"
        out = self._counts[2]
        return len(out) == 1 and out[0] > 1

    @property
    def has_depthwise(self) -> bool:
        from torch import nn

        return any(isinstance(m, nn.Conv2d) and m.groups > 1 for m in self._module.modules())

    @cached_property
    def _module(self) -> torch.nn.Module:
        import copy

        import torch

        net = copy.deepcopy(self._loaded[0]).eval()
        return net.to(dtype=getattr(torch, self.dtype))

    def describe(self) -> str:
        return f"{self.params['format']} model {self.params['path']} (sha256 {self.params['sha256']})"

    def labels(self) -> np.ndarray | None:
        """The dataset's labels, when the user gave some."""
        return None if self.dataset is None else self.dataset.y
