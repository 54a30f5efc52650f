"""papermill parameters for ksqlDB notebooks: `papermill in.ipynb out.ipynb -k ksqldb -p region eu`
injects a cell of `DEFINE region = 'eu';` lines, so later cells read `${region}`.

papermill picks a translator by the kernel's language ("ksql" in kernel.json). papermill 2.7
reads no entry points for translators (only for engines and I/O handlers), so the wheel
registers `KsqlEngine` under the `papermill.engine` entry point group: papermill loads that
group whenever it starts, and the engine's module (papermill_engine.py) imports this one,
which registers the translator. The wheel also declares a `papermill.translators` entry
point, for a papermill that reads one.

ksqlDB variables are strings, so every value becomes a quoted string: numbers and booleans as
their text (`'5'`, `'true'`), None as the empty string (as papermill's bash translator does),
quotes doubled as ksqlDB escapes them. Lists and dicts have no ksqlDB form and are refused.
Names must be ksqlDB variable names (a letter or `_`, then letters, digits and `_`)."""
import math
import re

from papermill.exceptions import PapermillException
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

LANGUAGE = "ksql"
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# A DEFINE line of a parameters cell, for `papermill --help-notebook`.
DEFINE = re.compile(r"^\s*DEFINE\s+(?P<name>[A-Za-z_]\w*)\s*=\s*'(?P<value>(?:[^']|'')*)'\s*;?\s*(--\s*(?P<help>.*))?$",
                    re.IGNORECASE)


class KsqlTranslator(Translator):
    @classmethod
    def translate_escaped_str(cls, str_val):
        return "'" + str(str_val).replace("'", "''") + "'"

    @classmethod
    def translate_str(cls, val):
        return cls.translate_escaped_str(val)

    @classmethod
    def translate_none(cls, val):
        return cls.translate_escaped_str("")

    @classmethod
    def translate_bool(cls, val):
        return cls.translate_escaped_str("true" if val else "false")

    @classmethod
    def translate_int(cls, val):
        return cls.translate_escaped_str(str(val))

    @classmethod
    def translate_float(cls, val):
        # repr keeps every digit; NaN and Infinity as Java's Double.parseDouble reads them.
        if math.isnan(val):
            return cls.translate_escaped_str("NaN")
        if math.isinf(val):
            return cls.translate_escaped_str("Infinity" if val > 0 else "-Infinity")
        return cls.translate_escaped_str(repr(val))

    @classmethod
    def translate_dict(cls, val):
        raise PapermillException("ksqlDB variables are strings: a dict parameter has no DEFINE form")

    @classmethod
    def translate_list(cls, val):
        raise PapermillException("ksqlDB variables are strings: a list parameter has no DEFINE form")

    @classmethod
    def comment(cls, cmt_str):
        return f"-- {cmt_str}".strip()

    @classmethod
    def assign(cls, name, str_val):
        if not NAME.match(name):
            raise PapermillException(
                f"parameter name {name!r} is not a ksqlDB variable name "
                "(a letter or _, then letters, digits or _): DEFINE could not set it")
        return f"DEFINE {name} = {str_val};"

    @classmethod
    def inspect(cls, parameters_cell):
        params = []
        for line in parameters_cell.source.splitlines():
            match = DEFINE.match(line)
            if match:
                params.append(Parameter(name=match.group("name"), inferred_type_name="str",
                                        default=cls.translate_escaped_str(match.group("value").replace("''", "'")),
                                        help=(match.group("help") or "").strip()))
        return params


def register():
    papermill_translators.register(LANGUAGE, KsqlTranslator)


register()

