//! Null handling, URL parts, byte conversions and the rest.

use super::{
    category::{CONDITIONAL, CONVERSIONS, OTHER, URL},
    *,
};

/// Sorted by name (a unit test checks).
pub(super) const FUNCTIONS: &[Function] = &[
    scalar(
        "AS_VALUE",
        OTHER,
        "Used exclusively in the projection of a query to allow a keycolumn to be copied into the value schema. Has \
         no affect if used anywhere else.",
        &[sig(&[arg("keyColumn", "T")], "T")],
    ),
    scalar(
        "BIGINT_FROM_BYTES",
        CONVERSIONS,
        "Converts a BYTES value to an BIGINT value according to the specified byte order. BYTES must be 8 bytes \
         long or a NULL value will be returned.",
        &[sig(&[arg("value", "BYTES")], "BIGINT"), sig(&[arg("value", "BYTES"), arg("byteOrder", "STRING")], "BIGINT")],
    ),
    scalar(
        "COALESCE",
        CONDITIONAL,
        "Returns first non-null element",
        &[sig(&[arg("first", "T"), variadic("others", "T")], "T")],
    ),
    scalar(
        "DOUBLE_FROM_BYTES",
        CONVERSIONS,
        "Converts a BYTES value to an DOUBLE value according to the specified byte order. BYTES must be 8 bytes \
         long or a NULL value will be returned.",
        &[sig(&[arg("value", "BYTES")], "DOUBLE"), sig(&[arg("value", "BYTES"), arg("byteOrder", "STRING")], "DOUBLE")],
    ),
    scalar(
        "GEO_DISTANCE",
        OTHER,
        "Compute the distance between two points on the surface of the earth, according to the Haversine formula \
         for \"great circle distance\".",
        &[
            sig(
                &[
                    arg("lat1", "DOUBLE"),
                    arg("lon1", "DOUBLE"),
                    arg("lat2", "DOUBLE"),
                    arg("lon2", "DOUBLE"),
                    arg("units", "STRING"),
                ],
                "DOUBLE",
            ),
            sig(
                &[arg("lat1", "DOUBLE"), arg("lon1", "DOUBLE"), arg("lat2", "DOUBLE"), arg("lon2", "DOUBLE")],
                "DOUBLE",
            ),
        ],
    ),
    scalar(
        "IFNULL",
        CONDITIONAL,
        "Returns expression if NOT NULL, otherwise the alternative value",
        &[sig(&[arg("expression", "T"), arg("altValue", "T")], "T")],
    ),
    scalar(
        "INT_FROM_BYTES",
        CONVERSIONS,
        "Converts a BYTES value to an INT value according to the specified byte order. BYTES must be 4 bytes long \
         or a NULL value will be returned.",
        &[sig(&[arg("value", "BYTES")], "INT"), sig(&[arg("value", "BYTES"), arg("byteOrder", "STRING")], "INT")],
    ),
    scalar(
        "NULLIF",
        CONDITIONAL,
        "Returns NULL if value1 and value2 are equal. Otherwise it returns value1.",
        &[sig(&[arg("expr1", "T"), arg("expr2", "T")], "T")],
    ),
    scalar(
        "URL_DECODE_PARAM",
        URL,
        "Decodes a previously encoded application/x-www-form-urlencoded String",
        &[sig(&[arg("input", "STRING")], "STRING")],
    ),
    scalar(
        "URL_ENCODE_PARAM",
        URL,
        "Returns a version of the input with all URL sensitive characters encoded using the \
         application/x-www-form-urlencoded standard.",
        &[sig(&[arg("input", "STRING")], "STRING")],
    ),
    scalar(
        "URL_EXTRACT_FRAGMENT",
        URL,
        "Extracts the fragment of an application/x-www-form-urlencoded String input",
        &[sig(&[arg("input", "STRING")], "STRING")],
    ),
    scalar(
        "URL_EXTRACT_HOST",
        URL,
        "Extracts the Host Name of an application/x-www-form-urlencoded String input",
        &[sig(&[arg("input", "STRING")], "STRING")],
    ),
    scalar(
        "URL_EXTRACT_PARAMETER",
        URL,
        "Extracts a parameter with a specified name encoded inside an application/x-www-form-urlencoded String.",
        &[sig(&[arg("input", "STRING"), arg("paramToFind", "STRING")], "STRING")],
    ),
    scalar(
        "URL_EXTRACT_PATH",
        URL,
        "Extracts the path of an application/x-www-form-urlencoded encoded String input",
        &[sig(&[arg("input", "STRING")], "STRING")],
    ),
    scalar(
        "URL_EXTRACT_PORT",
        URL,
        "Extracts the port from an application/x-www-form-urlencoded encoded String. If there is no port or the \
         string is invalid, this will return null.",
        &[sig(&[arg("input", "STRING")], "INT")],
    ),
    scalar(
        "URL_EXTRACT_PROTOCOL",
        URL,
        "Extracts the Scheme Component (protocol) of an application/x-www-form-urlencoded encoded String input",
        &[sig(&[arg("input", "STRING")], "STRING")],
    ),
    scalar(
        "URL_EXTRACT_QUERY",
        URL,
        "Extracts the query parameters of an application/x-www-form-urlencoded encoded String input, if it exists.",
        &[sig(&[arg("input", "STRING")], "STRING")],
    ),
];
