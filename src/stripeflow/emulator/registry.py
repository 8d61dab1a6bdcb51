"""The data sets of one emulator, one per (account, mode), generated on first use."""

from __future__ import annotations

from stripeflow.emulator.build import build_dataset
from stripeflow.emulator.config import EmulatorConfig
from stripeflow.emulator.dataset import Dataset, DatasetSpec


class Datasets:
    """Builds each data set the first time a request needs it (the platform's test data at start-up)."""

    def __init__(self, config: EmulatorConfig, platform: str, anchor: int) -> None:
        self._config = config
        self._platform = platform
        self._anchor = anchor
        self._built: dict[tuple[str, str], Dataset] = {}

    def get(self, account: str, mode: str) -> Dataset:
        """The data set, generated now if this is its first use (in this process: requests may be in flight)."""
        key = (account, mode)
        data = self._built.get(key)
        if data is None:
            data = self._built[key] = build_dataset(self.spec(account, mode), parallel=False)
        return data

    def warm(self, account: str, mode: str) -> Dataset:
        """Generate a data set before serving; big ones may use a worker process."""
        key = (account, mode)
        if key not in self._built:
            self._built[key] = build_dataset(self.spec(account, mode), parallel=self._config.parallel_build)
        return self._built[key]

    def spec(self, account: str, mode: str) -> DatasetSpec:
        connected = account != self._platform
        return DatasetSpec(
            seed=self._config.seed,
            account=account,
            livemode=mode == "live",
            connected=connected,
            counts=self._config.counts_for(mode, connected),
            anchor=self._anchor,
            api_version=self._config.api_version,
        )

    def built(self) -> list[tuple[str, str]]:
        return sorted(self._built)
