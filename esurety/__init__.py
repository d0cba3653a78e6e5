"""電子保証ガイド: the project's library.

The flow a reader follows, one subpackage a step:

- :mod:`esurety.kernel`  the glossary, guarantee numbers, wareki, kana, page paths, content types —
  standard library only, shipped with the lookup function as well.
- :mod:`esurety.data`    strict YAML reader → validated model → cross-file checks, Japanese messages.
- :mod:`esurety.rules`   the eligibility rule: decisions as reason codes.
- :mod:`esurety.site`    the Pelican plugin: one generator per page family.

Staff tools (loader, local server, adopter import) live beside them and are called by scripts/.
"""

__all__: list[str] = []
