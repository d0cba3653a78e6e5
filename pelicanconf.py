"""Pelican settings for local builds (make build / make serve / make run)."""

from __future__ import annotations

from lambda_verify.form import lookup_form

AUTHOR = "電子保証ガイド"
SITENAME = "電子保証ガイド"
SITESUBTITLE = "公共工事の電子保証（電子証書）を発注者ごとに"
SITEURL = ""
RELATIVE_URLS = False
PATH = "content"
TIMEZONE = "Asia/Tokyo"
DEFAULT_LANG = "ja"
DEFAULT_DATE = "fs"

THEME = "theme"
# The lookup form is the lookup function's own (lambda_verify/form.py), so the site's /lookup/ page and the
# function's answers show one form.
JINJA_GLOBALS = {"lookup_form": lookup_form}
THEME_STATIC_DIR = "theme"
THEME_STATIC_PATHS = ["static"]
PLUGINS = ["esurety.site"]
# ESURETY_BUILD_DATE: the day the build counts as today for 運用中/開始予定 (a date or "YYYY-MM-DD"). Left unset it
# is today in Japan; `scripts/build.py --build-date` sets it, and the tests' fixture (tests/conftest.py) sets it
# in Pelican's defaults. No environment variable changes it.

# Guidance YAML is read by the plugin, not by Pelican's readers.
PAGE_PATHS = ["pages", "faq"]
ARTICLE_PATHS: list[str] = []
STATIC_PATHS: list[str] = []
IGNORE_FILES = [".#*", "*.yaml"]
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
DIRECT_TEMPLATES = ["index"]
INDEX_SAVE_AS = "index.html"
ARCHIVES_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
TAG_SAVE_AS = ""
ARTICLE_SAVE_AS = ""
DRAFT_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""

FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

# Text from data files is escaped everywhere; only Markdown output of pages is marked safe.
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True}
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {"permalink": False},
    },
    "output_format": "html5",
}
# Raw HTML in Markdown pages is not used; escape it (see esurety/site).
TYPOGRIFY = False
SLUGIFY_SOURCE = "basename"
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# The navigation is a fixed list: no template loops over all pages.
MENUITEMS = (
    ("発注者別の案内", "/municipalities/"),
    ("採用団体一覧", "/adopters/"),
    ("電子保証とは", "/what-is-e-surety/"),
    ("よくある質問", "/faq/"),
    ("対象か確かめる", "/check/"),
    ("電子証書の確認", "/lookup/"),
)
API_PATH = "/api/verify"
DISPLAY_PAGES_ON_MENU = False
DISPLAY_CATEGORIES_ON_MENU = False
