"""autoglm-ops: structured, evidence-backed fields from customer free text."""

__version__ = "0.1.0"
