"""The task registry: built-in tasks shipped with the package plus a user folder."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from autoglm_ops.core.errors import TaskDefinitionError, UnknownTaskError
from autoglm_ops.tasks.schema import TaskDefinition, load_task_file


class TaskRegistry:
    """Holds task definitions by name. Later sources override earlier ones with a clear error
    only when the same file defines a task twice."""

    def __init__(self, tasks: dict[str, TaskDefinition] | None = None) -> None:
        self._tasks: dict[str, TaskDefinition] = dict(tasks or {})

    @classmethod
    def load(cls, user_dir: Path | None = None) -> TaskRegistry:
        """Load the built-in tasks, then every ``*.yaml``/``*.yml`` in ``user_dir``."""
        registry = cls()
        builtin = resources.files("autoglm_ops.tasks") / "builtin"
        for entry in sorted(builtin.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                with resources.as_file(entry) as path:
                    registry.add(load_task_file(path))
        if user_dir is not None:
            if not user_dir.is_dir():
                raise TaskDefinitionError(
                    str(user_dir), "(dir)", "not a directory; fix AUTOGLM_TASKS_DIR"
                )
            for path in sorted([*user_dir.glob("*.yaml"), *user_dir.glob("*.yml")]):
                registry.add(load_task_file(path))
        return registry

    def add(self, task: TaskDefinition) -> None:
        self._tasks[task.name] = task

    def get(self, name: str) -> TaskDefinition:
        try:
            return self._tasks[name]
        except KeyError:
            raise UnknownTaskError(name, list(self._tasks)) from None

    def names(self) -> list[str]:
        return sorted(self._tasks)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._tasks[n] for n in self.names())

    def __contains__(self, name: object) -> bool:
        return name in self._tasks
