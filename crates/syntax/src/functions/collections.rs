//! Array and map functions, and the lambda functions over them.

use super::{
    category::{ARRAY, LAMBDA, MAP},
    *,
};

/// Sorted by name (a unit test checks).
pub(super) const FUNCTIONS: &[Function] = &[
    scalar(
        "ARRAY",
        ARRAY,
        "Builds an array from the listed expressions, which must share one type. Written with square brackets: \
         ARRAY[expr1, expr2, ...].",
        &[sig(&[variadic("elements", "T")], "ARRAY<T>")],
    ),
    scalar(
        "ARRAY_CONCAT",
        ARRAY,
        "Concatenates two arrays, creating an array that contains all the elements in the first array followed by \
         all the elements in the second array. Returns NULL if both input arrays are NULL. If only one argument is \
         NULL, the result is the other argument. The two arrays must be of the same type.",
        &[sig(&[arg("left", "ARRAY<T>"), arg("right", "ARRAY<T>")], "ARRAY<T>")],
    ),
    scalar(
        "ARRAY_CONTAINS",
        ARRAY,
        "Returns true if the array is non-null and contains the supplied value.",
        &[sig(&[arg("array", "ARRAY<T>"), arg("val", "T")], "BOOLEAN")],
    ),
    scalar(
        "ARRAY_DISTINCT",
        ARRAY,
        "Returns an array of all the distinct values, including NULL if present, from the input array. The output \
         array elements will be in order of their first occurrence in the input. Returns NULL if the input array is \
         NULL.",
        &[sig(&[arg("input", "ARRAY<T>")], "ARRAY<T>")],
    ),
    scalar(
        "ARRAY_EXCEPT",
        ARRAY,
        "Returns an array of all the elements in an array except for those also present in a second array. The \
         order of entries in the first array is preserved although any duplicates are removed. Returns NULL if \
         either input is NULL.",
        &[sig(&[arg("left", "ARRAY<T>"), arg("right", "ARRAY<T>")], "ARRAY<T>")],
    ),
    scalar(
        "ARRAY_INTERSECT",
        ARRAY,
        "Returns an array of all the distinct elements from the intersection of both input arrays, or NULL if \
         either input array is NULL. The order of entries in the output is the same as in the first input array.",
        &[sig(&[arg("left", "ARRAY<T>"), arg("right", "ARRAY<T>")], "ARRAY<T>")],
    ),
    scalar(
        "ARRAY_JOIN",
        ARRAY,
        "joins the array elements into a flat string representation",
        &[
            sig(&[arg("array", "ARRAY<T>")], "STRING"),
            sig(&[arg("array", "ARRAY<T>"), arg("delimiter", "STRING")], "STRING"),
        ],
    ),
    scalar("ARRAY_LENGTH", ARRAY, "Returns the length on an array", &[sig(&[arg("array", "ARRAY<T>")], "INT")]),
    scalar(
        "ARRAY_MAX",
        ARRAY,
        "Return the maximum value from within an array of primitive values, according to their natural sort order. \
         If the array is NULL, or contains only NULLs, return NULL.",
        &[sig(&[arg("input", "ARRAY<T>")], "T")],
    ),
    scalar(
        "ARRAY_MIN",
        ARRAY,
        "Return the minimum value from within an array of primitive values, according to their natural sort order. \
         If the array is NULL, or contains only NULLs, return NULL.",
        &[sig(&[arg("input", "ARRAY<T>")], "T")],
    ),
    scalar(
        "ARRAY_REMOVE",
        ARRAY,
        "Removes all the elements equal to a specific value from an array. Returns NULL if the input array is NULL.",
        &[sig(&[arg("array", "ARRAY<T>"), arg("victim", "T")], "ARRAY<T>")],
    ),
    scalar(
        "ARRAY_SORT",
        ARRAY,
        "Sort an array of primitive values, according to their natural sort order. Any NULLs in the array will be \
         placed at the end.",
        &[
            sig(&[arg("input", "ARRAY<T>")], "ARRAY<T>"),
            sig(&[arg("input", "ARRAY<T>"), arg("direction", "STRING")], "ARRAY<T>"),
        ],
    ),
    scalar(
        "ARRAY_UNION",
        ARRAY,
        "Returns an array of all the distinct elements from both input arrays, or NULL if either array is NULL.",
        &[sig(&[arg("left", "ARRAY<T>"), arg("right", "ARRAY<T>")], "ARRAY<T>")],
    ),
    scalar(
        "AS_MAP",
        MAP,
        "Construct a list based on some inputs",
        &[sig(&[arg("keys", "ARRAY<STRING>"), arg("values", "ARRAY<T>")], "MAP<STRING, T>")],
    ),
    scalar(
        "ENTRIES",
        MAP,
        "Construct an array from the entries in a map.The array can be optionally sorted on the keys.",
        &[
            sig(&[arg("map", "MAP<STRING, INT>"), arg("sorted", "BOOLEAN")], "ARRAY<STRUCT<K STRING, V INT>>"),
            sig(&[arg("map", "MAP<STRING, BIGINT>"), arg("sorted", "BOOLEAN")], "ARRAY<STRUCT<K STRING, V BIGINT>>"),
            sig(&[arg("map", "MAP<STRING, DOUBLE>"), arg("sorted", "BOOLEAN")], "ARRAY<STRUCT<K STRING, V DOUBLE>>"),
            sig(&[arg("map", "MAP<STRING, BOOLEAN>"), arg("sorted", "BOOLEAN")], "ARRAY<STRUCT<K STRING, V BOOLEAN>>"),
            sig(&[arg("map", "MAP<STRING, STRING>"), arg("sorted", "BOOLEAN")], "ARRAY<STRUCT<K STRING, V STRING>>"),
        ],
    ),
    scalar(
        "FILTER",
        LAMBDA,
        "Filter the input collection through a given lambda function. The filtered collection is returned.",
        &[
            sig(&[arg("array", "ARRAY<T>"), arg("function", "LAMBDA (T) => BOOLEAN")], "ARRAY<T>"),
            sig(&[arg("map", "MAP<K, V>"), arg("biFunction", "LAMBDA (K, V) => BOOLEAN")], "MAP<K, V>"),
        ],
    ),
    scalar(
        "GENERATE_SERIES",
        ARRAY,
        "Construct an array of a range of values",
        &[
            sig(&[arg("start", "INT"), arg("end", "INT")], "ARRAY<INT>"),
            sig(&[arg("start", "INT"), arg("end", "INT"), arg("step", "INT")], "ARRAY<INT>"),
            sig(&[arg("start", "BIGINT"), arg("end", "BIGINT")], "ARRAY<BIGINT>"),
            sig(&[arg("start", "BIGINT"), arg("end", "BIGINT"), arg("step", "INT")], "ARRAY<BIGINT>"),
        ],
    ),
    scalar(
        "MAP",
        MAP,
        "Builds a map from key/value pairs, written MAP(key1 := value1, key2 := value2, ...).",
        &[sig(&[variadic("entries", "K := V")], "MAP<K, V>")],
    ),
    scalar(
        "MAP_KEYS",
        MAP,
        "Returns an array of all the keys from the specified map, or NULL if the input map is NULL.",
        &[sig(&[arg("input", "MAP<STRING, T>")], "ARRAY<STRING>")],
    ),
    scalar(
        "MAP_UNION",
        MAP,
        "Returns a new map containing the union of all entries from both input maps. If a key is present in both \
         input maps then the value from map2 is the one which appears in the result. Returns NULL if all of the \
         input maps are NULL.",
        &[sig(&[arg("map1", "MAP<STRING, T>"), arg("map2", "MAP<STRING, T>")], "MAP<STRING, T>")],
    ),
    scalar(
        "MAP_VALUES",
        MAP,
        "Returns an array of all the values from the specified map, or NULL if the input map is NULL.",
        &[sig(&[arg("input", "MAP<STRING, T>")], "ARRAY<T>")],
    ),
    scalar(
        "REDUCE",
        LAMBDA,
        "Reduce the input collection down to a single value using an initial state and a function. The initial \
         state (s) is passed into the scope of the function. Each invocation returns a new value for s, which the \
         next invocation will receive. The final value for s is returned.",
        &[
            sig(&[arg("list", "ARRAY<T>"), arg("initialState", "S"), arg("biFunction", "LAMBDA (S, T) => S")], "S"),
            sig(&[arg("map", "MAP<K, V>"), arg("initialState", "S"), arg("triFunction", "LAMBDA (S, K, V) => S")], "S"),
        ],
    ),
    scalar(
        "SLICE",
        ARRAY,
        "slice of an ARRAY",
        &[sig(&[arg("in", "ARRAY<T>"), arg("from", "INT"), arg("to", "INT")], "ARRAY<T>")],
    ),
    scalar(
        "TRANSFORM",
        LAMBDA,
        "Apply a function to each element in a collection. The transformed collection is returned.",
        &[
            sig(&[arg("array", "ARRAY<T>"), arg("function", "LAMBDA (T) => R")], "ARRAY<R>"),
            sig(
                &[
                    arg("map", "MAP<K, V>"),
                    arg("biFunction1", "LAMBDA (K, V) => R"),
                    arg("biFunction2", "LAMBDA (K, V) => T"),
                ],
                "MAP<R, T>",
            ),
        ],
    ),
];
