//! JSON functions: reading and writing JSON held in strings.

use super::{category::JSON, *};

/// Sorted by name (a unit test checks).
pub(super) const FUNCTIONS: &[Function] = &[
    scalar(
        "EXTRACTJSONFIELD",
        JSON,
        "Given a STRING that contains JSON data, extract the value at the specified JSONPath or NULL if the \
         specified path does not exist.",
        &[sig(&[arg("input", "STRING"), arg("path", "STRING")], "STRING")],
    ),
    scalar(
        "IS_JSON_STRING",
        JSON,
        "Given a string, returns true if it can be parsed as a valid JSON value, false otherwise.",
        &[sig(&[arg("input", "STRING")], "BOOLEAN")],
    ),
    scalar(
        "JSON_ARRAY_CONTAINS",
        JSON,
        "Parses a JSON array and determines whether or not the supplied value is contained within the array.",
        &[sig(&[arg("jsonArray", "STRING"), arg("val", "T")], "BOOLEAN")],
    ),
    scalar(
        "JSON_ARRAY_LENGTH",
        JSON,
        "Given a string, parses it as a JSON value and returns the length of the top-level array. Returns NULL if \
         the string can't be interpreted as a JSON array, for example, when the string is `NULL` or it does not \
         contain valid JSON, or the JSON value is not an array.",
        &[sig(&[arg("jsonArray", "STRING")], "INT")],
    ),
    scalar(
        "JSON_CONCAT",
        JSON,
        "Given N strings, parse them as JSON values and return a string representing their concatenation. \
         Concatenation rules are identical to PostgreSQL's || operator: * If all strings deserialize into JSON \
         objects, return an object with a union of the input keys. If there are duplicate objects, take values from \
         the last object. * If all strings deserialize into JSON arrays, return the result of array concatenation. \
         * If at least one of the deserialized values is not an object, convert non-array inputs to a \
         single-element array and return the result of array concatenation. * If at least one of the input strings \
         is `NULL` or can't be deserialized as JSON, return NULL. Similar to the PostgreSQL's || operator, this \
         function merges only top-level object keys or arrays.",
        &[sig(&[variadic("jsonStrings", "STRING")], "STRING")],
    ),
    scalar(
        "JSON_ITEMS",
        JSON,
        "Given a string with JSON array, converts it to a ksqlDB array of JSON strings. Returns `NULL` if the \
         string can not be interpreted as a JSON array, for example, when the string is `NULL` or it does not \
         contain valid JSON, or the JSON value is not an array.",
        &[sig(&[arg("jsonItems", "STRING")], "ARRAY<STRING>")],
    ),
    scalar(
        "JSON_KEYS",
        JSON,
        "Given a string, parses it as a JSON object and returns a ksqlDB array of strings representing the \
         top-level keys. Returns NULL if the string can't be interpreted as a JSON object, for example, when the \
         string is NULL or it does not contain valid JSON, or the JSON value is not an object.",
        &[sig(&[arg("jsonObj", "STRING")], "ARRAY<STRING>")],
    ),
    scalar(
        "JSON_RECORDS",
        JSON,
        "Given a string, parses it as a JSON object and returns a map representing the top-level keys and values. \
         Returns `NULL` if the string can't be interpreted as a JSON object, i.e. it is `NULL` or it does not \
         contain valid JSON, or the JSON value is not an object.",
        &[sig(&[arg("jsonObj", "STRING")], "MAP<STRING, STRING>")],
    ),
    scalar(
        "TO_JSON_STRING",
        JSON,
        "Given any ksqlDB type returns the equivalent JSON string.",
        &[sig(&[arg("input", "T")], "STRING")],
    ),
];
