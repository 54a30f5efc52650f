//! Static knowledge about ksqlDB used for editor help (completion and inspection) without
//! asking a server: the language's keywords and the built-in functions with their
//! signatures and short descriptions.

/// ksqlDB keywords: statement and clause words, pseudo-columns, type names and time units.
/// Upper-case, sorted, no duplicates (a unit test checks).
pub const KEYWORDS: &[&str] = &[
    "ADD",
    "ADVANCE",
    "ALL",
    "ALTER",
    "AND",
    "ARRAY",
    "AS",
    "ASSERT",
    "BEGINNING",
    "BETWEEN",
    "BIGINT",
    "BOOLEAN",
    "BY",
    "BYTES",
    "CASE",
    "CAST",
    "CHANGES",
    "COLUMN",
    "CONNECTOR",
    "CONNECTORS",
    "CREATE",
    "DATE",
    "DAY",
    "DAYS",
    "DECIMAL",
    "DEFINE",
    "DELETE",
    "DESCRIBE",
    "DOUBLE",
    "DROP",
    "ELSE",
    "EMIT",
    "END",
    "ESCAPE",
    "EXISTS",
    "EXPLAIN",
    "EXTENDED",
    "FALSE",
    "FINAL",
    "FROM",
    "FULL",
    "FUNCTION",
    "FUNCTIONS",
    "GRACE",
    "GROUP",
    "HAVING",
    "HEADER",
    "HEADERS",
    "HOPPING",
    "HOUR",
    "HOURS",
    "IF",
    "IN",
    "INNER",
    "INSERT",
    "INT",
    "INTEGER",
    "INTERVAL",
    "INTO",
    "IS",
    "JOIN",
    "KEY",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LIST",
    "MAP",
    "MILLISECOND",
    "MILLISECONDS",
    "MINUTE",
    "MINUTES",
    "NOT",
    "NULL",
    "ON",
    "OR",
    "OUTER",
    "PARTITION",
    "PARTITIONS",
    "PAUSE",
    "PERIOD",
    "PRIMARY",
    "PRINT",
    "PROPERTIES",
    "QUERIES",
    "QUERY",
    "REPLACE",
    "RESUME",
    "RETENTION",
    "RIGHT",
    "ROWOFFSET",
    "ROWPARTITION",
    "ROWTIME",
    "RUN",
    "SCHEMA",
    "SCRIPT",
    "SECOND",
    "SECONDS",
    "SELECT",
    "SESSION",
    "SET",
    "SHOW",
    "SINK",
    "SIZE",
    "SOURCE",
    "STREAM",
    "STREAMS",
    "STRING",
    "STRUCT",
    "SUBJECT",
    "TABLE",
    "TABLES",
    "TERMINATE",
    "THEN",
    "TIME",
    "TIMEOUT",
    "TIMESTAMP",
    "TO",
    "TOPIC",
    "TOPICS",
    "TRUE",
    "TUMBLING",
    "TYPE",
    "TYPES",
    "UNDEFINE",
    "UNSET",
    "VALUES",
    "VARCHAR",
    "VARIABLES",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WINDOWEND",
    "WINDOWSTART",
    "WITH",
    "WITHIN",
];

/// Whether `word` is one of [`KEYWORDS`], ignoring case.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// How a function is used in a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    /// One output value per input row.
    Scalar,
    /// Folds many rows into one value per group (used with GROUP BY).
    Aggregate,
    /// Turns one input row into zero or more output rows.
    Table,
}

impl FunctionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionKind::Scalar => "scalar",
            FunctionKind::Aggregate => "aggregate",
            FunctionKind::Table => "table",
        }
    }
}

/// One built-in ksqlDB function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinFunction {
    /// Upper-case name, as ksqlDB lists it.
    pub name: &'static str,
    pub kind: FunctionKind,
    /// Group for display: "math", "string", "date and time", "json", ...
    pub category: &'static str,
    /// Call forms with argument names and types, e.g. `ABS(col1 DOUBLE) -> DOUBLE`.
    pub signatures: &'static [&'static str],
    /// A short explanation.
    pub description: &'static str,
}

/// Finds a built-in function by name, ignoring case.
pub fn find_function(name: &str) -> Option<&'static BuiltinFunction> {
    FUNCTIONS.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

const fn scalar(
    name: &'static str,
    category: &'static str,
    signatures: &'static [&'static str],
    description: &'static str,
) -> BuiltinFunction {
    BuiltinFunction { name, kind: FunctionKind::Scalar, category, signatures, description }
}

const fn aggregate(
    name: &'static str,
    signatures: &'static [&'static str],
    description: &'static str,
) -> BuiltinFunction {
    BuiltinFunction { name, kind: FunctionKind::Aggregate, category: "aggregate", signatures, description }
}

const fn table(name: &'static str, signatures: &'static [&'static str], description: &'static str) -> BuiltinFunction {
    BuiltinFunction { name, kind: FunctionKind::Table, category: "table", signatures, description }
}

const MATH: &str = "math";
const TRIG: &str = "trigonometry";
const COLL: &str = "collections";
const LAMBDA: &str = "lambda";
const STR: &str = "string";
const JSON: &str = "json";
const BYTES: &str = "bytes";
const NULLS: &str = "nulls";
const DT: &str = "date and time";
const URL: &str = "url";
const OTHER: &str = "other";

/// The built-in functions of ksqlDB (scalar, aggregate and table functions).
pub const FUNCTIONS: &[BuiltinFunction] = &[
    // ---- math ----
    scalar(
        "ABS",
        MATH,
        &[
            "ABS(col1 INT) -> INT",
            "ABS(col1 BIGINT) -> BIGINT",
            "ABS(col1 DOUBLE) -> DOUBLE",
            "ABS(col1 DECIMAL) -> DECIMAL",
        ],
        "The absolute value of a number (the number without its sign).",
    ),
    scalar(
        "CEIL",
        MATH,
        &[
            "CEIL(col1 INT) -> INT",
            "CEIL(col1 BIGINT) -> BIGINT",
            "CEIL(col1 DOUBLE) -> DOUBLE",
            "CEIL(col1 DECIMAL) -> DECIMAL",
        ],
        "Rounds a number up to the nearest whole value that is not smaller than it.",
    ),
    scalar(
        "FLOOR",
        MATH,
        &[
            "FLOOR(col1 INT) -> INT",
            "FLOOR(col1 BIGINT) -> BIGINT",
            "FLOOR(col1 DOUBLE) -> DOUBLE",
            "FLOOR(col1 DECIMAL) -> DECIMAL",
        ],
        "Rounds a number down to the nearest whole value that is not larger than it.",
    ),
    scalar(
        "ROUND",
        MATH,
        &[
            "ROUND(col1 DOUBLE) -> BIGINT",
            "ROUND(col1 DOUBLE, scale INT) -> DOUBLE",
            "ROUND(col1 DECIMAL) -> DECIMAL",
            "ROUND(col1 DECIMAL, scale INT) -> DECIMAL",
            "ROUND(col1 INT) -> INT",
            "ROUND(col1 BIGINT) -> BIGINT",
        ],
        "Rounds to the nearest whole number, or to `scale` digits after the decimal point; \
         halves round up. A negative scale rounds to the left of the decimal point.",
    ),
    scalar(
        "TRUNC",
        MATH,
        &[
            "TRUNC(col1 DOUBLE) -> BIGINT",
            "TRUNC(col1 DOUBLE, scale INT) -> DOUBLE",
            "TRUNC(col1 DECIMAL) -> DECIMAL",
            "TRUNC(col1 DECIMAL, scale INT) -> DECIMAL",
        ],
        "Cuts off the fractional part (or the digits beyond `scale`) without rounding.",
    ),
    scalar("SQRT", MATH, &["SQRT(col1 DOUBLE) -> DOUBLE"], "The square root of a number."),
    scalar("EXP", MATH, &["EXP(col1 DOUBLE) -> DOUBLE"], "Euler's number e raised to the given power."),
    scalar("LN", MATH, &["LN(col1 DOUBLE) -> DOUBLE"], "The natural (base e) logarithm of a number."),
    scalar(
        "LOG",
        MATH,
        &["LOG(value DOUBLE) -> DOUBLE", "LOG(base DOUBLE, value DOUBLE) -> DOUBLE"],
        "The logarithm of `value`: natural logarithm with one argument, in the given base with two.",
    ),
    scalar("POWER", MATH, &["POWER(base DOUBLE, exponent DOUBLE) -> DOUBLE"], "Raises `base` to the power `exponent`."),
    scalar(
        "SIGN",
        MATH,
        &["SIGN(col1 INT) -> INT", "SIGN(col1 BIGINT) -> INT", "SIGN(col1 DOUBLE) -> INT", "SIGN(col1 DECIMAL) -> INT"],
        "The sign of a number: -1 when negative, 0 when zero, 1 when positive.",
    ),
    scalar("RANDOM", MATH, &["RANDOM() -> DOUBLE"], "A pseudo-random number in the range [0.0, 1.0)."),
    scalar(
        "GREATEST",
        MATH,
        &["GREATEST(col1 T, col2 T, ...) -> T"],
        "The largest of its arguments, ignoring NULLs. Works for numbers, strings, bytes and temporal values.",
    ),
    scalar(
        "LEAST",
        MATH,
        &["LEAST(col1 T, col2 T, ...) -> T"],
        "The smallest of its arguments, ignoring NULLs. Works for numbers, strings, bytes and temporal values.",
    ),
    scalar(
        "GENERATE_SERIES",
        MATH,
        &[
            "GENERATE_SERIES(start INT, end INT) -> ARRAY<INT>",
            "GENERATE_SERIES(start INT, end INT, step INT) -> ARRAY<INT>",
            "GENERATE_SERIES(start BIGINT, end BIGINT) -> ARRAY<BIGINT>",
            "GENERATE_SERIES(start BIGINT, end BIGINT, step BIGINT) -> ARRAY<BIGINT>",
        ],
        "An array of the numbers from `start` to `end` (both included), counting by `step` (default 1; may be \
         negative).",
    ),
    scalar(
        "GEO_DISTANCE",
        MATH,
        &[
            "GEO_DISTANCE(lat1 DOUBLE, lon1 DOUBLE, lat2 DOUBLE, lon2 DOUBLE) -> DOUBLE",
            "GEO_DISTANCE(lat1 DOUBLE, lon1 DOUBLE, lat2 DOUBLE, lon2 DOUBLE, unit STRING) -> DOUBLE",
        ],
        "The great-circle distance between two points given in decimal degrees, in kilometers by default \
         or in the given unit ('KM' or 'MILES').",
    ),
    // ---- trigonometry ----
    scalar("SIN", TRIG, &["SIN(radians DOUBLE) -> DOUBLE"], "The sine of an angle given in radians."),
    scalar("COS", TRIG, &["COS(radians DOUBLE) -> DOUBLE"], "The cosine of an angle given in radians."),
    scalar("TAN", TRIG, &["TAN(radians DOUBLE) -> DOUBLE"], "The tangent of an angle given in radians."),
    scalar("COT", TRIG, &["COT(radians DOUBLE) -> DOUBLE"], "The cotangent of an angle given in radians."),
    scalar("ASIN", TRIG, &["ASIN(value DOUBLE) -> DOUBLE"], "The arc sine, in radians."),
    scalar("ACOS", TRIG, &["ACOS(value DOUBLE) -> DOUBLE"], "The arc cosine, in radians."),
    scalar("ATAN", TRIG, &["ATAN(value DOUBLE) -> DOUBLE"], "The arc tangent, in radians."),
    scalar(
        "ATAN2",
        TRIG,
        &["ATAN2(y DOUBLE, x DOUBLE) -> DOUBLE"],
        "The angle in radians between the positive x axis and the point (x, y).",
    ),
    scalar("SINH", TRIG, &["SINH(value DOUBLE) -> DOUBLE"], "The hyperbolic sine."),
    scalar("COSH", TRIG, &["COSH(value DOUBLE) -> DOUBLE"], "The hyperbolic cosine."),
    scalar("TANH", TRIG, &["TANH(value DOUBLE) -> DOUBLE"], "The hyperbolic tangent."),
    scalar("DEGREES", TRIG, &["DEGREES(radians DOUBLE) -> DOUBLE"], "Converts an angle from radians to degrees."),
    scalar("RADIANS", TRIG, &["RADIANS(degrees DOUBLE) -> DOUBLE"], "Converts an angle from degrees to radians."),
    scalar("PI", TRIG, &["PI() -> DOUBLE"], "The constant pi."),
    // ---- collections ----
    scalar(
        "ARRAY",
        COLL,
        &["ARRAY[expr1, expr2, ...] -> ARRAY<T>"],
        "Builds an array from the listed expressions, which must share one type.",
    ),
    scalar(
        "ARRAY_CONCAT",
        COLL,
        &["ARRAY_CONCAT(array1 ARRAY<T>, array2 ARRAY<T>) -> ARRAY<T>"],
        "The elements of the first array followed by those of the second.",
    ),
    scalar(
        "ARRAY_CONTAINS",
        COLL,
        &["ARRAY_CONTAINS(array ARRAY<T>, value T) -> BOOLEAN"],
        "Whether the array has an element equal to `value`.",
    ),
    scalar(
        "ARRAY_DISTINCT",
        COLL,
        &["ARRAY_DISTINCT(array ARRAY<T>) -> ARRAY<T>"],
        "The array with repeated elements removed, keeping the first occurrence of each.",
    ),
    scalar(
        "ARRAY_EXCEPT",
        COLL,
        &["ARRAY_EXCEPT(array1 ARRAY<T>, array2 ARRAY<T>) -> ARRAY<T>"],
        "The distinct elements of the first array that do not appear in the second.",
    ),
    scalar(
        "ARRAY_INTERSECT",
        COLL,
        &["ARRAY_INTERSECT(array1 ARRAY<T>, array2 ARRAY<T>) -> ARRAY<T>"],
        "The distinct elements found in both arrays.",
    ),
    scalar(
        "ARRAY_JOIN",
        COLL,
        &["ARRAY_JOIN(array ARRAY<T>) -> STRING", "ARRAY_JOIN(array ARRAY<T>, delimiter STRING) -> STRING"],
        "Joins the elements (as text) into one string, separated by `delimiter` (a comma by default).",
    ),
    scalar("ARRAY_LENGTH", COLL, &["ARRAY_LENGTH(array ARRAY<T>) -> INT"], "The number of elements in the array."),
    scalar(
        "ARRAY_MAX",
        COLL,
        &["ARRAY_MAX(array ARRAY<T>) -> T"],
        "The largest non-NULL element of an array of primitive values.",
    ),
    scalar(
        "ARRAY_MIN",
        COLL,
        &["ARRAY_MIN(array ARRAY<T>) -> T"],
        "The smallest non-NULL element of an array of primitive values.",
    ),
    scalar(
        "ARRAY_REMOVE",
        COLL,
        &["ARRAY_REMOVE(array ARRAY<T>, element T) -> ARRAY<T>"],
        "The array with every element equal to `element` taken out.",
    ),
    scalar(
        "ARRAY_SORT",
        COLL,
        &["ARRAY_SORT(array ARRAY<T>) -> ARRAY<T>", "ARRAY_SORT(array ARRAY<T>, direction STRING) -> ARRAY<T>"],
        "The array sorted ascending, or in the given direction ('ASC' or 'DESC'); NULLs go last.",
    ),
    scalar(
        "ARRAY_UNION",
        COLL,
        &["ARRAY_UNION(array1 ARRAY<T>, array2 ARRAY<T>) -> ARRAY<T>"],
        "The distinct elements found in either array.",
    ),
    scalar(
        "AS_MAP",
        COLL,
        &["AS_MAP(keys ARRAY<STRING>, values ARRAY<T>) -> MAP<STRING, T>"],
        "Builds a map by pairing up the keys array with the values array position by position.",
    ),
    scalar(
        "ELT",
        COLL,
        &["ELT(n INT, str1 STRING, str2 STRING, ...) -> STRING"],
        "The n-th of the string arguments (counting from 1), or NULL when n is out of range.",
    ),
    scalar(
        "FIELD",
        COLL,
        &["FIELD(str STRING, str1 STRING, str2 STRING, ...) -> INT"],
        "The 1-based position of `str` among the other arguments, or 0 when it is not there.",
    ),
    scalar(
        "MAP",
        COLL,
        &["MAP(key1 := value1, key2 := value2, ...) -> MAP<K, V>"],
        "Builds a map from `key := value` pairs.",
    ),
    scalar("MAP_KEYS", COLL, &["MAP_KEYS(map MAP<K, V>) -> ARRAY<K>"], "The keys of a map, as an array."),
    scalar("MAP_VALUES", COLL, &["MAP_VALUES(map MAP<K, V>) -> ARRAY<V>"], "The values of a map, as an array."),
    scalar(
        "MAP_UNION",
        COLL,
        &["MAP_UNION(map1 MAP<K, V>, map2 MAP<K, V>) -> MAP<K, V>"],
        "Merges two maps; when a key is in both, the value from the second map wins.",
    ),
    scalar(
        "SLICE",
        COLL,
        &["SLICE(array ARRAY<T>, from INT, to INT) -> ARRAY<T>"],
        "The part of the array between the 1-based positions `from` and `to`, both included.",
    ),
    scalar(
        "ENTRIES",
        COLL,
        &["ENTRIES(map MAP<STRING, T>, sorted BOOLEAN) -> ARRAY<STRUCT<K STRING, V T>>"],
        "The entries of a map as an array of key/value structs, optionally sorted by key.",
    ),
    scalar(
        "JSON_ARRAY_CONTAINS",
        JSON,
        &["JSON_ARRAY_CONTAINS(json STRING, value T) -> BOOLEAN"],
        "Whether a string holding a JSON array has an element equal to `value`; false for invalid JSON.",
    ),
    // ---- lambda (higher-order) functions ----
    scalar(
        "TRANSFORM",
        LAMBDA,
        &[
            "TRANSFORM(array ARRAY<T>, x => expr) -> ARRAY<U>",
            "TRANSFORM(map MAP<K, V>, (k, v) => key_expr, (k, v) => value_expr) -> MAP<K2, V2>",
        ],
        "Applies a lambda to each array element, or to each map entry's key and value, and returns the results.",
    ),
    scalar(
        "FILTER",
        LAMBDA,
        &[
            "FILTER(array ARRAY<T>, x => condition) -> ARRAY<T>",
            "FILTER(map MAP<K, V>, (k, v) => condition) -> MAP<K, V>",
        ],
        "Keeps the array elements, or map entries, for which the lambda returns true.",
    ),
    scalar(
        "REDUCE",
        LAMBDA,
        &[
            "REDUCE(array ARRAY<T>, initial S, (s, x) => expr) -> S",
            "REDUCE(map MAP<K, V>, initial S, (s, k, v) => expr) -> S",
        ],
        "Folds an array or map into one value: starts from `initial` and feeds each element to the lambda together \
         with the running state.",
    ),
    // ---- strings ----
    scalar(
        "CHR",
        STR,
        &["CHR(code INT) -> STRING", "CHR(code STRING) -> STRING"],
        "The character for a Unicode code point, given as a number or as a '\\uXXXX' escape string.",
    ),
    scalar(
        "CONCAT",
        STR,
        &["CONCAT(col1 STRING, col2 STRING, ...) -> STRING", "CONCAT(col1 BYTES, col2 BYTES, ...) -> BYTES"],
        "Joins strings (or byte arrays) end to end; NULL arguments are skipped.",
    ),
    scalar(
        "CONCAT_WS",
        STR,
        &[
            "CONCAT_WS(separator STRING, expr1 STRING, expr2 STRING, ...) -> STRING",
            "CONCAT_WS(separator BYTES, expr1 BYTES, expr2 BYTES, ...) -> BYTES",
        ],
        "Joins the values with `separator` between them, skipping NULL values.",
    ),
    scalar(
        "ENCODE",
        STR,
        &["ENCODE(col1 STRING, input_encoding STRING, output_encoding STRING) -> STRING"],
        "Re-encodes a string from one encoding to another; supported encodings are 'hex', 'utf8', 'ascii' and \
         'base64'.",
    ),
    scalar(
        "INITCAP",
        STR,
        &["INITCAP(col1 STRING) -> STRING"],
        "Capitalizes the first letter of each word and lower-cases the rest.",
    ),
    scalar(
        "INSTR",
        STR,
        &[
            "INSTR(string STRING, substring STRING) -> INT",
            "INSTR(string STRING, substring STRING, position INT) -> INT",
            "INSTR(string STRING, substring STRING, position INT, occurrence INT) -> INT",
        ],
        "The 1-based position of `substring` in `string`, or 0 when absent. Searching can start at \
         `position` (negative counts from the end) and look for the n-th `occurrence`.",
    ),
    scalar("LCASE", STR, &["LCASE(col1 STRING) -> STRING"], "The string in lower case."),
    scalar("UCASE", STR, &["UCASE(col1 STRING) -> STRING"], "The string in upper case."),
    scalar(
        "LEN",
        STR,
        &["LEN(col1 STRING) -> INT", "LEN(col1 BYTES) -> INT"],
        "The number of characters in a string, or of bytes in a byte array.",
    ),
    scalar(
        "LPAD",
        STR,
        &[
            "LPAD(input STRING, length INT, padding STRING) -> STRING",
            "LPAD(input BYTES, length INT, padding BYTES) -> BYTES",
        ],
        "Pads the input on the left with repetitions of `padding` up to `length`; longer input is cut to `length`.",
    ),
    scalar(
        "RPAD",
        STR,
        &[
            "RPAD(input STRING, length INT, padding STRING) -> STRING",
            "RPAD(input BYTES, length INT, padding BYTES) -> BYTES",
        ],
        "Pads the input on the right with repetitions of `padding` up to `length`; longer input is cut to `length`.",
    ),
    scalar(
        "MASK",
        STR,
        &[
            "MASK(col1 STRING) -> STRING",
            "MASK(col1 STRING, upper STRING, lower STRING, digit STRING, other STRING) -> STRING",
        ],
        "Hides a string's content: upper-case letters become 'X', lower-case 'x', digits 'n' and \
         other characters '-', unless other replacement characters are given (NULL keeps that class as is).",
    ),
    scalar(
        "MASK_KEEP_LEFT",
        STR,
        &[
            "MASK_KEEP_LEFT(col1 STRING, numChars INT) -> STRING",
            "MASK_KEEP_LEFT(col1 STRING, numChars INT, upper STRING, lower STRING, digit STRING, other STRING) -> \
             STRING",
        ],
        "Like MASK, but leaves the first `numChars` characters unmasked.",
    ),
    scalar(
        "MASK_KEEP_RIGHT",
        STR,
        &[
            "MASK_KEEP_RIGHT(col1 STRING, numChars INT) -> STRING",
            "MASK_KEEP_RIGHT(col1 STRING, numChars INT, upper STRING, lower STRING, digit STRING, other STRING) -> \
             STRING",
        ],
        "Like MASK, but leaves the last `numChars` characters unmasked.",
    ),
    scalar(
        "MASK_LEFT",
        STR,
        &[
            "MASK_LEFT(col1 STRING, numChars INT) -> STRING",
            "MASK_LEFT(col1 STRING, numChars INT, upper STRING, lower STRING, digit STRING, other STRING) -> STRING",
        ],
        "Like MASK, but only masks the first `numChars` characters.",
    ),
    scalar(
        "MASK_RIGHT",
        STR,
        &[
            "MASK_RIGHT(col1 STRING, numChars INT) -> STRING",
            "MASK_RIGHT(col1 STRING, numChars INT, upper STRING, lower STRING, digit STRING, other STRING) -> STRING",
        ],
        "Like MASK, but only masks the last `numChars` characters.",
    ),
    scalar(
        "REPLACE",
        STR,
        &["REPLACE(col1 STRING, old STRING, new STRING) -> STRING"],
        "Replaces every occurrence of the substring `old` with `new`.",
    ),
    scalar(
        "REGEXP_EXTRACT",
        STR,
        &[
            "REGEXP_EXTRACT(regex STRING, str STRING) -> STRING",
            "REGEXP_EXTRACT(regex STRING, str STRING, capture_group INT) -> STRING",
        ],
        "The first part of `str` matching the Java regular expression, or the given capture group of that match; \
         NULL when nothing matches.",
    ),
    scalar(
        "REGEXP_EXTRACT_ALL",
        STR,
        &[
            "REGEXP_EXTRACT_ALL(regex STRING, str STRING) -> ARRAY<STRING>",
            "REGEXP_EXTRACT_ALL(regex STRING, str STRING, capture_group INT) -> ARRAY<STRING>",
        ],
        "Every part of `str` matching the regular expression (or the given capture group of each match).",
    ),
    scalar(
        "REGEXP_REPLACE",
        STR,
        &["REGEXP_REPLACE(str STRING, regex STRING, replacement STRING) -> STRING"],
        "Replaces every match of the regular expression in `str` with `replacement`.",
    ),
    scalar(
        "REGEXP_SPLIT_TO_ARRAY",
        STR,
        &["REGEXP_SPLIT_TO_ARRAY(str STRING, regex STRING) -> ARRAY<STRING>"],
        "Splits `str` wherever the regular expression matches.",
    ),
    scalar(
        "SPLIT",
        STR,
        &[
            "SPLIT(str STRING, delimiter STRING) -> ARRAY<STRING>",
            "SPLIT(bytes BYTES, delimiter BYTES) -> ARRAY<BYTES>",
        ],
        "Splits a string (or bytes) at each occurrence of `delimiter`; an empty delimiter splits into single \
         characters.",
    ),
    scalar(
        "SPLIT_TO_MAP",
        STR,
        &["SPLIT_TO_MAP(input STRING, entryDelimiter STRING, kvDelimiter STRING) -> MAP<STRING, STRING>"],
        "Parses a string of key/value pairs into a map, e.g. 'a=1;b=2' with ';' and '='.",
    ),
    scalar(
        "SUBSTRING",
        STR,
        &[
            "SUBSTRING(str STRING, pos INT) -> STRING",
            "SUBSTRING(str STRING, pos INT, length INT) -> STRING",
            "SUBSTRING(bytes BYTES, pos INT) -> BYTES",
            "SUBSTRING(bytes BYTES, pos INT, length INT) -> BYTES",
        ],
        "The part of a string (or bytes) starting at the 1-based position `pos` (negative counts from the end), to \
         the end or for `length` characters.",
    ),
    scalar("TRIM", STR, &["TRIM(col1 STRING) -> STRING"], "The string without leading and trailing whitespace."),
    scalar(
        "UUID",
        STR,
        &["UUID() -> STRING", "UUID(bytes BYTES) -> STRING"],
        "A new random UUID as a 36-character string, or the UUID text for 16 given bytes.",
    ),
    scalar(
        "TO_BYTES",
        STR,
        &["TO_BYTES(str STRING, encoding STRING) -> BYTES"],
        "Converts a string to bytes using the encoding 'hex', 'utf8', 'ascii' or 'base64'.",
    ),
    scalar(
        "FROM_BYTES",
        STR,
        &["FROM_BYTES(bytes BYTES, encoding STRING) -> STRING"],
        "Converts bytes to a string using the encoding 'hex', 'utf8', 'ascii' or 'base64'.",
    ),
    // ---- json ----
    scalar(
        "EXTRACTJSONFIELD",
        JSON,
        &["EXTRACTJSONFIELD(json STRING, path STRING) -> STRING"],
        "Pulls a value out of a JSON string with a JSONPath expression such as '$.user.name'; NULL when absent.",
    ),
    scalar(
        "IS_JSON_STRING",
        JSON,
        &["IS_JSON_STRING(str STRING) -> BOOLEAN"],
        "Whether the string parses as valid JSON.",
    ),
    scalar(
        "JSON_ARRAY_LENGTH",
        JSON,
        &["JSON_ARRAY_LENGTH(json STRING) -> INT"],
        "The number of elements of a JSON array held in a string; NULL when it is not an array.",
    ),
    scalar(
        "JSON_CONCAT",
        JSON,
        &["JSON_CONCAT(json1 STRING, json2 STRING, ...) -> STRING"],
        "Merges JSON objects (later keys win) or concatenates JSON arrays; a mix of objects and arrays gives an array.",
    ),
    scalar(
        "JSON_KEYS",
        JSON,
        &["JSON_KEYS(json STRING) -> ARRAY<STRING>"],
        "The top-level keys of a JSON object held in a string.",
    ),
    scalar(
        "JSON_RECORDS",
        JSON,
        &["JSON_RECORDS(json STRING) -> MAP<STRING, STRING>"],
        "The top-level fields of a JSON object as a map from key to the value's JSON text.",
    ),
    scalar(
        "JSON_ITEMS",
        JSON,
        &["JSON_ITEMS(json STRING) -> ARRAY<STRING>"],
        "The elements of a JSON array held in a string, each as its own JSON text.",
    ),
    scalar(
        "TO_JSON_STRING",
        JSON,
        &["TO_JSON_STRING(value T) -> STRING"],
        "Serializes any value, including structs, arrays and maps, to JSON text.",
    ),
    // ---- bytes ----
    scalar(
        "INT_FROM_BYTES",
        BYTES,
        &["INT_FROM_BYTES(bytes BYTES) -> INT", "INT_FROM_BYTES(bytes BYTES, byte_order STRING) -> INT"],
        "Reads a 4-byte integer from bytes, big-endian unless byte_order is 'LITTLE_ENDIAN'.",
    ),
    scalar(
        "BIGINT_FROM_BYTES",
        BYTES,
        &["BIGINT_FROM_BYTES(bytes BYTES) -> BIGINT", "BIGINT_FROM_BYTES(bytes BYTES, byte_order STRING) -> BIGINT"],
        "Reads an 8-byte integer from bytes, big-endian unless byte_order is 'LITTLE_ENDIAN'.",
    ),
    scalar(
        "DOUBLE_FROM_BYTES",
        BYTES,
        &["DOUBLE_FROM_BYTES(bytes BYTES) -> DOUBLE", "DOUBLE_FROM_BYTES(bytes BYTES, byte_order STRING) -> DOUBLE"],
        "Reads an 8-byte floating-point number from bytes, big-endian unless byte_order is 'LITTLE_ENDIAN'.",
    ),
    // ---- nulls ----
    scalar(
        "COALESCE",
        NULLS,
        &["COALESCE(a T, b T, ...) -> T"],
        "The first argument that is not NULL, or NULL when all are.",
    ),
    scalar(
        "IFNULL",
        NULLS,
        &["IFNULL(expression T, altValue T) -> T"],
        "`expression` unless it is NULL, in which case `altValue`.",
    ),
    scalar(
        "NULLIF",
        NULLS,
        &["NULLIF(expr1 T, expr2 T) -> T"],
        "NULL when the two arguments are equal, otherwise the first one.",
    ),
    // ---- date and time ----
    scalar(
        "UNIX_TIMESTAMP",
        DT,
        &["UNIX_TIMESTAMP() -> BIGINT", "UNIX_TIMESTAMP(ts TIMESTAMP) -> BIGINT"],
        "Milliseconds since the Unix epoch, for now or for the given timestamp.",
    ),
    scalar(
        "UNIX_DATE",
        DT,
        &["UNIX_DATE() -> INT", "UNIX_DATE(date DATE) -> INT"],
        "Days since the Unix epoch, for today or for the given date.",
    ),
    scalar(
        "FROM_UNIXTIME",
        DT,
        &["FROM_UNIXTIME(millis BIGINT) -> TIMESTAMP"],
        "The TIMESTAMP for a count of milliseconds since the Unix epoch.",
    ),
    scalar("FROM_DAYS", DT, &["FROM_DAYS(days INT) -> DATE"], "The DATE for a count of days since the Unix epoch."),
    scalar(
        "FORMAT_TIMESTAMP",
        DT,
        &[
            "FORMAT_TIMESTAMP(ts TIMESTAMP, pattern STRING) -> STRING",
            "FORMAT_TIMESTAMP(ts TIMESTAMP, pattern STRING, tz STRING) -> STRING",
        ],
        "Formats a timestamp as text with a Java DateTimeFormatter pattern, in UTC or the given time zone.",
    ),
    scalar(
        "PARSE_TIMESTAMP",
        DT,
        &[
            "PARSE_TIMESTAMP(str STRING, pattern STRING) -> TIMESTAMP",
            "PARSE_TIMESTAMP(str STRING, pattern STRING, tz STRING) -> TIMESTAMP",
        ],
        "Parses text into a TIMESTAMP with a Java DateTimeFormatter pattern, reading it in UTC or the given time zone.",
    ),
    scalar(
        "FORMAT_DATE",
        DT,
        &["FORMAT_DATE(date DATE, pattern STRING) -> STRING"],
        "Formats a DATE as text with a Java DateTimeFormatter pattern.",
    ),
    scalar(
        "PARSE_DATE",
        DT,
        &["PARSE_DATE(str STRING, pattern STRING) -> DATE"],
        "Parses text into a DATE with a Java DateTimeFormatter pattern.",
    ),
    scalar(
        "FORMAT_TIME",
        DT,
        &["FORMAT_TIME(time TIME, pattern STRING) -> STRING"],
        "Formats a TIME as text with a Java DateTimeFormatter pattern.",
    ),
    scalar(
        "PARSE_TIME",
        DT,
        &["PARSE_TIME(str STRING, pattern STRING) -> TIME"],
        "Parses text into a TIME with a Java DateTimeFormatter pattern.",
    ),
    scalar(
        "CONVERT_TZ",
        DT,
        &["CONVERT_TZ(ts TIMESTAMP, from_tz STRING, to_tz STRING) -> TIMESTAMP"],
        "Shifts a timestamp's wall-clock value from one time zone to another (e.g. 'UTC' to 'America/Los_Angeles').",
    ),
    scalar(
        "DATEADD",
        DT,
        &["DATEADD(unit, interval INT, date DATE) -> DATE"],
        "Adds `interval` units (DAYS, HOURS, ...) to a DATE.",
    ),
    scalar(
        "DATESUB",
        DT,
        &["DATESUB(unit, interval INT, date DATE) -> DATE"],
        "Subtracts `interval` units (DAYS, HOURS, ...) from a DATE.",
    ),
    scalar(
        "TIMEADD",
        DT,
        &["TIMEADD(unit, interval INT, time TIME) -> TIME"],
        "Adds `interval` units to a TIME, wrapping around midnight.",
    ),
    scalar(
        "TIMESUB",
        DT,
        &["TIMESUB(unit, interval INT, time TIME) -> TIME"],
        "Subtracts `interval` units from a TIME, wrapping around midnight.",
    ),
    scalar(
        "TIMESTAMPADD",
        DT,
        &["TIMESTAMPADD(unit, interval INT, ts TIMESTAMP) -> TIMESTAMP"],
        "Adds `interval` units (MILLISECONDS, SECONDS, MINUTES, HOURS, DAYS, ...) to a TIMESTAMP.",
    ),
    scalar(
        "TIMESTAMPSUB",
        DT,
        &["TIMESTAMPSUB(unit, interval INT, ts TIMESTAMP) -> TIMESTAMP"],
        "Subtracts `interval` units (MILLISECONDS, SECONDS, MINUTES, HOURS, DAYS, ...) from a TIMESTAMP.",
    ),
    scalar(
        "TIMESTAMPTOSTRING",
        DT,
        &[
            "TIMESTAMPTOSTRING(millis BIGINT, pattern STRING) -> STRING",
            "TIMESTAMPTOSTRING(millis BIGINT, pattern STRING, tz STRING) -> STRING",
        ],
        "Formats epoch milliseconds (such as ROWTIME) as text with a Java pattern. Older style; \
         FORMAT_TIMESTAMP is preferred for TIMESTAMP values.",
    ),
    scalar(
        "STRINGTOTIMESTAMP",
        DT,
        &[
            "STRINGTOTIMESTAMP(str STRING, pattern STRING) -> BIGINT",
            "STRINGTOTIMESTAMP(str STRING, pattern STRING, tz STRING) -> BIGINT",
        ],
        "Parses text into epoch milliseconds with a Java pattern. Older style; PARSE_TIMESTAMP is preferred.",
    ),
    scalar(
        "DATETOSTRING",
        DT,
        &["DATETOSTRING(days INT, pattern STRING) -> STRING"],
        "Formats a count of days since the epoch as text. Older style; FORMAT_DATE is preferred.",
    ),
    scalar(
        "STRINGTODATE",
        DT,
        &["STRINGTODATE(str STRING, pattern STRING) -> INT"],
        "Parses text into a count of days since the epoch. Older style; PARSE_DATE is preferred.",
    ),
    // ---- url ----
    scalar(
        "URL_DECODE_PARAM",
        URL,
        &["URL_DECODE_PARAM(str STRING) -> STRING"],
        "Decodes an application/x-www-form-urlencoded value (e.g. '%20' or '+' back to a space).",
    ),
    scalar(
        "URL_ENCODE_PARAM",
        URL,
        &["URL_ENCODE_PARAM(str STRING) -> STRING"],
        "Encodes a value so that it can be used safely as a URL query parameter.",
    ),
    scalar(
        "URL_EXTRACT_FRAGMENT",
        URL,
        &["URL_EXTRACT_FRAGMENT(url STRING) -> STRING"],
        "The fragment (the part after '#') of a URL, or NULL.",
    ),
    scalar("URL_EXTRACT_HOST", URL, &["URL_EXTRACT_HOST(url STRING) -> STRING"], "The host name of a URL, or NULL."),
    scalar(
        "URL_EXTRACT_PARAMETER",
        URL,
        &["URL_EXTRACT_PARAMETER(url STRING, parameter_name STRING) -> STRING"],
        "The decoded value of the named query parameter of a URL, or NULL.",
    ),
    scalar("URL_EXTRACT_PATH", URL, &["URL_EXTRACT_PATH(url STRING) -> STRING"], "The path of a URL, or NULL."),
    scalar(
        "URL_EXTRACT_PORT",
        URL,
        &["URL_EXTRACT_PORT(url STRING) -> INT"],
        "The port of a URL, or NULL when none is written.",
    ),
    scalar(
        "URL_EXTRACT_PROTOCOL",
        URL,
        &["URL_EXTRACT_PROTOCOL(url STRING) -> STRING"],
        "The scheme of a URL, such as 'https', or NULL.",
    ),
    scalar(
        "URL_EXTRACT_QUERY",
        URL,
        &["URL_EXTRACT_QUERY(url STRING) -> STRING"],
        "The still-encoded query string of a URL (after '?'), or NULL.",
    ),
    // ---- other ----
    scalar(
        "AS_VALUE",
        OTHER,
        &["AS_VALUE(col T) -> T"],
        "Copies a key column into the value of the result, so it is also written to the value part of the record.",
    ),
    // ---- aggregates ----
    aggregate(
        "COUNT",
        &["COUNT(*) -> BIGINT", "COUNT(col1 T) -> BIGINT"],
        "The number of rows in each group; with a column, only rows where it is not NULL.",
    ),
    aggregate(
        "COUNT_DISTINCT",
        &["COUNT_DISTINCT(col1 T) -> BIGINT"],
        "An estimate of the number of distinct non-NULL values in each group.",
    ),
    aggregate(
        "SUM",
        &[
            "SUM(col1 INT) -> INT",
            "SUM(col1 BIGINT) -> BIGINT",
            "SUM(col1 DOUBLE) -> DOUBLE",
            "SUM(col1 DECIMAL) -> DECIMAL",
        ],
        "The total of the values in each group.",
    ),
    aggregate(
        "AVG",
        &["AVG(col1 INT) -> DOUBLE", "AVG(col1 BIGINT) -> DOUBLE", "AVG(col1 DOUBLE) -> DOUBLE"],
        "The mean of the non-NULL values in each group.",
    ),
    aggregate("MIN", &["MIN(col1 T) -> T"], "The smallest non-NULL value in each group."),
    aggregate("MAX", &["MAX(col1 T) -> T"], "The largest non-NULL value in each group."),
    aggregate(
        "TOPK",
        &["TOPK(col1 T, k INT) -> ARRAY<T>"],
        "The k largest values in each group, largest first (repeats included).",
    ),
    aggregate(
        "TOPKDISTINCT",
        &["TOPKDISTINCT(col1 T, k INT) -> ARRAY<T>"],
        "The k largest distinct values in each group, largest first.",
    ),
    aggregate(
        "COLLECT_LIST",
        &["COLLECT_LIST(col1 T) -> ARRAY<T>"],
        "All the values of each group gathered into an array (capped by a server setting).",
    ),
    aggregate(
        "COLLECT_SET",
        &["COLLECT_SET(col1 T) -> ARRAY<T>"],
        "The distinct values of each group gathered into an array.",
    ),
    aggregate(
        "HISTOGRAM",
        &["HISTOGRAM(col1 STRING) -> MAP<STRING, BIGINT>"],
        "How many times each distinct string value occurs in each group.",
    ),
    aggregate(
        "EARLIEST_BY_OFFSET",
        &[
            "EARLIEST_BY_OFFSET(col1 T) -> T",
            "EARLIEST_BY_OFFSET(col1 T, ignoreNulls BOOLEAN) -> T",
            "EARLIEST_BY_OFFSET(col1 T, n INT) -> ARRAY<T>",
            "EARLIEST_BY_OFFSET(col1 T, n INT, ignoreNulls BOOLEAN) -> ARRAY<T>",
        ],
        "The value from the record with the lowest offset in each group (or the first n), skipping NULLs unless told \
         otherwise.",
    ),
    aggregate(
        "LATEST_BY_OFFSET",
        &[
            "LATEST_BY_OFFSET(col1 T) -> T",
            "LATEST_BY_OFFSET(col1 T, ignoreNulls BOOLEAN) -> T",
            "LATEST_BY_OFFSET(col1 T, n INT) -> ARRAY<T>",
            "LATEST_BY_OFFSET(col1 T, n INT, ignoreNulls BOOLEAN) -> ARRAY<T>",
        ],
        "The value from the record with the highest offset in each group (or the last n), skipping NULLs unless told \
         otherwise.",
    ),
    aggregate(
        "STDDEV_SAMPLE",
        &[
            "STDDEV_SAMPLE(col1 INT) -> DOUBLE",
            "STDDEV_SAMPLE(col1 BIGINT) -> DOUBLE",
            "STDDEV_SAMPLE(col1 DOUBLE) -> DOUBLE",
        ],
        "The sample standard deviation of the values in each group.",
    ),
    aggregate(
        "STDDEV_SAMP",
        &[
            "STDDEV_SAMP(col1 INT) -> DOUBLE",
            "STDDEV_SAMP(col1 BIGINT) -> DOUBLE",
            "STDDEV_SAMP(col1 DOUBLE) -> DOUBLE",
        ],
        "The sample standard deviation of the values in each group (same as STDDEV_SAMPLE).",
    ),
    aggregate(
        "CORRELATION",
        &["CORRELATION(x DOUBLE, y DOUBLE) -> DOUBLE"],
        "The Pearson correlation coefficient between two columns over each group.",
    ),
    aggregate(
        "ATTR",
        &["ATTR(col1 T) -> T"],
        "The column's value when it is the same on every row of the group, otherwise NULL.",
    ),
    // ---- table functions ----
    table(
        "EXPLODE",
        &["EXPLODE(array ARRAY<T>) -> T"],
        "Emits one output row per element of the array, copying the other selected columns.",
    ),
    table(
        "CUBE_EXPLODE",
        &["CUBE_EXPLODE(array ARRAY<T>) -> ARRAY<T>"],
        "Emits one row for every combination of the array's elements with some of them replaced by NULL (a cube).",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keywords_sorted_unique_upper() {
        for pair in KEYWORDS.windows(2) {
            assert!(pair[0] < pair[1], "{} / {}", pair[0], pair[1]);
        }
        for k in KEYWORDS {
            assert_eq!(*k, k.to_uppercase());
        }
        for k in ["SELECT", "EMIT", "CHANGES", "ROWTIME", "MILLISECONDS", "VARCHAR", "HEADERS"] {
            assert!(is_keyword(k), "{k}");
        }
        assert!(is_keyword("select"));
        assert!(!is_keyword("selec"));
    }

    #[test]
    fn function_table_is_consistent() {
        assert!(FUNCTIONS.len() >= 120, "only {} functions", FUNCTIONS.len());
        let mut seen = HashSet::new();
        for f in FUNCTIONS {
            assert!(seen.insert(f.name), "duplicate {}", f.name);
            assert_eq!(f.name, f.name.to_uppercase());
            assert!(!f.signatures.is_empty(), "{}", f.name);
            assert!(!f.description.is_empty(), "{}", f.name);
            for s in f.signatures {
                assert!(s.starts_with(f.name), "{s}");
                assert!(s.contains(" -> "), "{s}");
            }
        }
    }

    #[test]
    fn required_functions_present() {
        for name in [
            "ABS",
            "CEIL",
            "FLOOR",
            "ROUND",
            "SQRT",
            "EXP",
            "LN",
            "LOG",
            "POWER",
            "SIGN",
            "RANDOM",
            "GREATEST",
            "LEAST",
            "CONCAT",
            "CONCAT_WS",
            "LCASE",
            "UCASE",
            "INITCAP",
            "LEN",
            "SUBSTRING",
            "TRIM",
            "LPAD",
            "RPAD",
            "REPLACE",
            "REGEXP_REPLACE",
            "REGEXP_EXTRACT",
            "REGEXP_EXTRACT_ALL",
            "REGEXP_SPLIT_TO_ARRAY",
            "SPLIT",
            "SPLIT_TO_MAP",
            "INSTR",
            "MASK",
            "MASK_LEFT",
            "ENCODE",
            "CHR",
            "UUID",
            "TO_BYTES",
            "FROM_BYTES",
            "TIMESTAMPTOSTRING",
            "STRINGTOTIMESTAMP",
            "UNIX_TIMESTAMP",
            "UNIX_DATE",
            "FROM_UNIXTIME",
            "FORMAT_TIMESTAMP",
            "PARSE_TIMESTAMP",
            "FORMAT_DATE",
            "PARSE_DATE",
            "FORMAT_TIME",
            "PARSE_TIME",
            "DATEADD",
            "DATESUB",
            "TIMEADD",
            "TIMESUB",
            "TIMESTAMPADD",
            "TIMESTAMPSUB",
            "CONVERT_TZ",
            "FROM_DAYS",
            "EXTRACTJSONFIELD",
            "IS_JSON_STRING",
            "JSON_ARRAY_CONTAINS",
            "JSON_ARRAY_LENGTH",
            "JSON_CONCAT",
            "JSON_KEYS",
            "JSON_RECORDS",
            "JSON_ITEMS",
            "TO_JSON_STRING",
            "ARRAY",
            "ARRAY_CONTAINS",
            "ARRAY_DISTINCT",
            "ARRAY_EXCEPT",
            "ARRAY_INTERSECT",
            "ARRAY_JOIN",
            "ARRAY_LENGTH",
            "ARRAY_MAX",
            "ARRAY_MIN",
            "ARRAY_REMOVE",
            "ARRAY_SORT",
            "ARRAY_UNION",
            "AS_MAP",
            "ELT",
            "FIELD",
            "MAP",
            "MAP_KEYS",
            "MAP_VALUES",
            "MAP_UNION",
            "SLICE",
            "ENTRIES",
            "GENERATE_SERIES",
            "TRANSFORM",
            "REDUCE",
            "FILTER",
            "URL_EXTRACT_HOST",
            "GEO_DISTANCE",
            "COALESCE",
            "IFNULL",
            "NULLIF",
            "COUNT",
            "COUNT_DISTINCT",
            "SUM",
            "AVG",
            "MIN",
            "MAX",
            "TOPK",
            "TOPKDISTINCT",
            "COLLECT_LIST",
            "COLLECT_SET",
            "HISTOGRAM",
            "EARLIEST_BY_OFFSET",
            "LATEST_BY_OFFSET",
            "STDDEV_SAMPLE",
            "STDDEV_SAMP",
            "CORRELATION",
            "ATTR",
            "EXPLODE",
            "CUBE_EXPLODE",
        ] {
            assert!(find_function(name).is_some(), "missing {name}");
        }
    }

    #[test]
    fn find_function_ignores_case() {
        let f = find_function("abs").unwrap();
        assert_eq!(f.name, "ABS");
        assert_eq!(f.kind, FunctionKind::Scalar);
        assert_eq!(find_function("Latest_By_Offset").unwrap().kind, FunctionKind::Aggregate);
        assert_eq!(find_function("explode").unwrap().kind, FunctionKind::Table);
        assert!(find_function("nope").is_none());
        assert!(find_function("").is_none());
    }
}
