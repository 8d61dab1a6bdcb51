"""Request counters for ``GET /_emulator/stats`` (read by the throughput benchmark)."""

from __future__ import annotations

from collections import Counter
from typing import Any


class Stats:
    """Counts /v1 requests per endpoint (method + route template) and what they were answered."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.by_endpoint_status: dict[str, Counter[int]] = {}
        self.rate_limited: Counter[str] = Counter()
        self.objects_served = 0
        self.pages_served = 0
        self.malformed = 0

    def record(self, endpoint: str, status: int, *, reason: str | None = None) -> None:
        self.requests[endpoint] += 1
        self.statuses[status] += 1
        self.by_endpoint_status.setdefault(endpoint, Counter())[status] += 1
        if status == 429 and reason:
            self.rate_limited[reason] += 1

    def served(self, objects: int, *, page: bool) -> None:
        self.objects_served += objects
        self.pages_served += page

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests_total": sum(self.requests.values()),
            "requests": dict(self.requests),
            "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
            "endpoints": {
                endpoint: {
                    "requests": self.requests[endpoint],
                    "429": counts[429],
                    "500": counts[500],
                    "statuses": {str(status): count for status, count in sorted(counts.items())},
                }
                for endpoint, counts in sorted(self.by_endpoint_status.items())
            },
            "rate_limited_429": self.statuses[429],
            "rate_limited": dict(self.rate_limited),
            "server_errors_500": self.statuses[500],
            "malformed_pages": self.malformed,
            "pages_served": self.pages_served,
            "objects_served": self.objects_served,
        }
