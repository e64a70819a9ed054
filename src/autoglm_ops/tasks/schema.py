"""Task definitions are data: a YAML file per task, validated into these models."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from autoglm_ops.core.errors import TaskDefinitionError

FieldType = Literal["number", "integer", "string", "boolean", "enum", "score"]


class FieldSpec(BaseModel):
    """One output field of a task."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    description: str
    unit: str | None = None
    enum: list[str] | None = None
    nullable: bool = True
    minimum: float | None = None
    maximum: float | None = None

    @model_validator(mode="after")
    def _enum_has_values(self) -> FieldSpec:
        if self.type == "enum" and not self.enum:
            raise ValueError("type 'enum' needs a non-empty 'enum' list")
        if self.type != "enum" and self.enum:
            raise ValueError("'enum' values are only allowed with type 'enum'")
        return self

    def json_schema(self) -> dict[str, Any]:
        """The JSON schema of this field's value (used for LLM structured output)."""
        base: dict[str, Any]
        if self.type in ("number", "score"):
            base = {"type": "number"}
        elif self.type == "integer":
            base = {"type": "integer"}
        elif self.type == "boolean":
            base = {"type": "boolean"}
        elif self.type == "enum":
            base = {"type": "string", "enum": list(self.enum or [])}
        else:
            base = {"type": "string"}
        if self.minimum is not None:
            base["minimum"] = self.minimum
        if self.maximum is not None:
            base["maximum"] = self.maximum
        if self.nullable:
            return {"anyOf": [base, {"type": "null"}], "description": self.description}
        return {**base, "description": self.description}


class TaskExample(BaseModel):
    """A worked example: an input and the expected values of (some of) the fields."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    expected: dict[str, Any]
    note: str | None = None


class TaskDefinition(BaseModel):
    """A task: its name, version, contract text, fields and worked examples."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = "1.0.0"
    description: str
    contract: str = ""
    fields: list[FieldSpec] = Field(min_length=1)
    examples: list[TaskExample] = Field(default_factory=list)
    # fields whose low confidence sends the case to review (default: all)
    key_fields: list[str] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TaskDefinition:
        names = [f.name for f in self.fields]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"fields @ duplicate field names: {sorted(dupes)}")
        for i, ex in enumerate(self.examples):
            unknown = set(ex.expected) - set(names)
            if unknown:
                raise ValueError(f"examples[{i}].expected @ unknown fields {sorted(unknown)}")
        if self.key_fields:
            unknown = set(self.key_fields) - set(names)
            if unknown:
                raise ValueError(f"key_fields @ unknown fields {sorted(unknown)}")
        return self

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def output_json_schema(self) -> dict[str, Any]:
        """JSON schema of the flat output object (every field required, nullable as declared)."""
        return {
            "type": "object",
            "properties": {f.name: f.json_schema() for f in self.fields},
            "required": self.field_names,
            "additionalProperties": False,
        }


def load_task_file(path: Path) -> TaskDefinition:
    """Load and validate one task YAML file; errors name the file, the field and the reason."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TaskDefinitionError(str(path), "(file)", f"not valid YAML: {exc}") from None
    except OSError as exc:
        raise TaskDefinitionError(str(path), "(file)", f"cannot be read: {exc}") from None
    if not isinstance(raw, dict):
        raise TaskDefinitionError(str(path), "(file)", "the top level must be a mapping")
    try:
        return TaskDefinition.model_validate(raw)
    except PydanticValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "(task)"
        msg = str(err["msg"]).removeprefix("Value error, ")
        if " @ " in msg:  # task-level validators name the field as "<field> @ <reason>"
            where, msg = msg.split(" @ ", 1)
            loc = where if loc == "(task)" else f"{loc}.{where}"
        # name the offending field spec by its name, not only its list index
        if err["loc"][:1] == ("fields",) and len(err["loc"]) > 1:
            idx = err["loc"][1]
            fields = raw.get("fields")
            if isinstance(idx, int) and isinstance(fields, list) and idx < len(fields):
                spec = fields[idx]
                if isinstance(spec, dict) and "name" in spec:
                    loc = f"fields[{spec['name']}]" + "".join(f".{p}" for p in err["loc"][2:])
        raise TaskDefinitionError(str(path), loc, msg) from None
