"""電子保証ガイド's Pelican plugin: load and validate the YAML data, then write the pages."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

__all__ = ["register"]


def _get_generators(_pelican: object) -> type:
    from esurety.site.generator import ESuretyGenerator

    return ESuretyGenerator


def _faq_under_faq(instance: object) -> None:
    """FAQ Markdown files live in content/faq/ and are published under /faq/<name>/."""
    source = getattr(instance, "source_path", "") or ""
    if "/faq/" in source.replace("\\", "/") and not instance.slug.startswith("faq/"):  # type: ignore[attr-defined]
        instance.slug = f"faq/{instance.slug}"  # type: ignore[attr-defined]


def register() -> None:
    # Pelican is imported here, not at module level: `make check` imports the package without it.
    from pelican import signals

    signals.get_generators.connect(_get_generators)
    signals.content_object_init.connect(_faq_under_faq)
