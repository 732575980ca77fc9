"""What each ``mutualaid`` command does, a module a command; :mod:`mutualaid.cli` reads the command
line and runs one.

The command line imports a command's module only once it has read its arguments, and only that
command's: ``mutualaid --help`` (and a mistyped option) loads no rule, pydantic or ledger, and
``mutualaid adjudicate`` loads no batch, ledger or what-if. Each module imports what it uses at its
top, but the service (``server`` extra) and the SQL store (``db`` extra), which a command names when
they are missing. Each has one entry, ``run(args)``, returning the exit status.

Modules: :mod:`.arguments` (a claim file, an edition argument), :mod:`.adjudicate`, :mod:`.replay`,
:mod:`.rules`, :mod:`.check`, :mod:`.schema`, :mod:`.batch`, :mod:`.db`, :mod:`.diff`, :mod:`.serve`.
"""
