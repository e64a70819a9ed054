"""The platform object: settings, tasks, backends and store wired once, shared by every edge."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from autoglm_ops.backends.base import Extractor
from autoglm_ops.backends.registry import create_backend
from autoglm_ops.core.settings import Settings
from autoglm_ops.observability import Metrics, Tracing
from autoglm_ops.service.ratelimit import NoRateLimit, RateLimiter, build_rate_limiter
from autoglm_ops.store.repo import Store
from autoglm_ops.tasks.registry import TaskRegistry

if TYPE_CHECKING:
    from autoglm_ops.decision.policy import Policy
    from autoglm_ops.decision.risk import RiskModel


@dataclass
class Platform:
    """Everything a request needs. Built by :meth:`from_settings`; edges receive it injected."""

    settings: Settings
    tasks: TaskRegistry
    store: Store
    backends: dict[str, Extractor] = field(default_factory=dict)
    _decision: tuple[Policy, RiskModel] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # per platform, not process-global: two apps in one process (and tests) never mix counts
    metrics: Metrics = field(default_factory=Metrics)
    tracing: Tracing = field(default_factory=Tracing)
    limiter: RateLimiter = field(default_factory=NoRateLimit)

    @classmethod
    def from_settings(cls, settings: Settings) -> Platform:
        """Load tasks (refusing malformed files), open and migrate the store, build the
        default backend."""
        tasks = TaskRegistry.load(settings.tasks_dir)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = Store.open(settings.resolved_database_url)
        metrics = Metrics()
        platform = cls(
            settings=settings,
            tasks=tasks,
            store=store,
            metrics=metrics,
            tracing=Tracing.from_settings(settings),
            limiter=build_rate_limiter(
                settings, on_backend_error=metrics.rate_limit_backend_errors.inc
            ),
        )
        platform.backend(settings.backend)
        metrics.track_review_queue(store.review_queue_size)
        metrics.track_qa_accuracy(store.qa_agreement)
        return platform

    def backend(self, name: str | None = None) -> Extractor:
        """The backend called ``name`` (default: the configured one), built on first use."""
        name = name or self.settings.backend
        if name not in self.backends:
            self.backends[name] = create_backend(name, self.settings)
        return self.backends[name]

    def decision_models(self) -> tuple[Policy, RiskModel]:
        """The credit policy and risk model (from settings, else the built-in ones), loaded
        once; a malformed policy or a tampered model is refused here."""
        if self._decision is None:
            with self._lock:
                if self._decision is None:
                    from autoglm_ops.decision.policy import default_policy, load_policy
                    from autoglm_ops.decision.risk import RiskModel, default_risk_model

                    s = self.settings
                    policy = load_policy(s.policy_file) if s.policy_file else default_policy()
                    model = (
                        RiskModel.load(s.risk_model_dir)
                        if s.risk_model_dir
                        else default_risk_model()
                    )
                    self._decision = (policy, model)
        return self._decision

    def close(self) -> None:
        for b in self.backends.values():
            b.close()
        self.store.close()
        self.limiter.close()
        self.tracing.shutdown()
