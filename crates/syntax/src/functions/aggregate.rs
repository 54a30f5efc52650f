//! Aggregate functions: one value per group of rows (GROUP BY).

use super::*;

/// Sorted by name (a unit test checks).
pub(super) const FUNCTIONS: &[Function] = &[
    aggregate(
        "ATTR",
        "The ATTR() aggregation indicates there are multiple values, but only one was expected. For example, if \
         aggregating against a table that semantically should have only one value for a column given a key, this \
         aggregation enables users to indicate that they expect only a single value. If the aggregation encounters \
         more than a single value for the expected singular column, the entire aggregation will return null.",
        &[sig(&[arg("col1", "T")], "T")],
    ),
    aggregate(
        "AVG",
        "Returns the average value of the column computed as the sum divided by thecount. Applicable only to \
         numeric types.",
        &[
            sig(&[arg("col1", "BIGINT")], "DOUBLE"),
            sig(&[arg("col1", "INT")], "DOUBLE"),
            sig(&[arg("col1", "DOUBLE")], "DOUBLE"),
        ],
    ),
    aggregate(
        "COLLECT_LIST",
        "Gather all of the values from an input grouping into a single Array field. Although this aggregate works \
         on both Stream and Table inputs, the order of entries in the result array is not guaranteed when working \
         on Table input data. You may limit the size of the resultant Array to N entries, beyond which any further \
         values will be silently ignored, by setting the ksql.functions.collect_list.limit configuration to N.",
        &[sig(&[arg("col1", "T")], "ARRAY<T>")],
    ),
    aggregate(
        "COLLECT_SET",
        "Gather all of the distinct values from an input grouping into a single Array. Not available for \
         aggregating values from an input Table. You may limit the size of the resultant Array to N entries, beyond \
         which any further values will be silently ignored, by setting the ksql.functions.collect_list.limit \
         configuration to N.",
        &[sig(&[arg("col1", "T")], "ARRAY<T>")],
    ),
    aggregate(
        "CORRELATION",
        "Computes the Pearson correlation coefficient between two columns of data.",
        &[
            sig(&[arg("col1", "DOUBLE"), arg("col2", "DOUBLE")], "DOUBLE"),
            sig(&[arg("col1", "INT"), arg("col2", "INT")], "DOUBLE"),
            sig(&[arg("col1", "BIGINT"), arg("col2", "BIGINT")], "DOUBLE"),
        ],
    ),
    aggregate("COUNT", "Counts records by key.", &[sig(&[star()], "BIGINT"), sig(&[arg("col1", "T")], "BIGINT")]),
    aggregate(
        "COUNT_DISTINCT",
        "This function returns the number of items found in a group. The implementation is probabilistic with a \
         typical accuracy (standard error) of less than 1%.",
        &[sig(&[arg("col1", "T")], "BIGINT")],
    ),
    aggregate(
        "EARLIEST_BY_OFFSET",
        "This function returns the oldest N values for the column, computed by offset.",
        &[
            sig(&[arg("col1", "T")], "T"),
            sig(&[arg("col1", "T"), arg("ignoreNulls", "BOOLEAN")], "T"),
            sig(&[arg("col1", "T"), arg("earliestN", "INT")], "ARRAY<T>"),
            sig(&[arg("col1", "T"), arg("earliestN", "INT"), arg("ignoreNulls", "BOOLEAN")], "ARRAY<T>"),
        ],
    ),
    aggregate(
        "HISTOGRAM",
        "Returns a map of each distinct String from the input Stream or Table and how many times each occurs. This \
         version limits the size of the resultant Map to 1000 entries. Any entries added beyond this limit will be \
         ignored.",
        &[sig(&[arg("col1", "STRING")], "MAP<STRING, BIGINT>")],
    ),
    aggregate(
        "LATEST_BY_OFFSET",
        "This function returns the most recent N values for the column, computed by offset.",
        &[
            sig(&[arg("col1", "T")], "T"),
            sig(&[arg("col1", "T"), arg("ignoreNulls", "BOOLEAN")], "T"),
            sig(&[arg("col1", "T"), arg("latestN", "INT")], "ARRAY<T>"),
            sig(&[arg("col1", "T"), arg("latestN", "INT"), arg("ignoreNulls", "BOOLEAN")], "ARRAY<T>"),
        ],
    ),
    aggregate(
        "MAX",
        "Computes the maximum value for a key.",
        &[
            sig(&[arg("col1", "INT")], "INT"),
            sig(&[arg("col1", "BIGINT")], "BIGINT"),
            sig(&[arg("col1", "DOUBLE")], "DOUBLE"),
            sig(&[arg("col1", "DECIMAL")], "DECIMAL"),
            sig(&[arg("col1", "DATE")], "DATE"),
            sig(&[arg("col1", "TIME")], "TIME"),
            sig(&[arg("col1", "TIMESTAMP")], "TIMESTAMP"),
            sig(&[arg("col1", "STRING")], "STRING"),
            sig(&[arg("col1", "BYTES")], "BYTES"),
        ],
    ),
    aggregate(
        "MIN",
        "Computes the minimum value for a key.",
        &[
            sig(&[arg("col1", "INT")], "INT"),
            sig(&[arg("col1", "BIGINT")], "BIGINT"),
            sig(&[arg("col1", "DOUBLE")], "DOUBLE"),
            sig(&[arg("col1", "DECIMAL")], "DECIMAL"),
            sig(&[arg("col1", "DATE")], "DATE"),
            sig(&[arg("col1", "TIME")], "TIME"),
            sig(&[arg("col1", "TIMESTAMP")], "TIMESTAMP"),
            sig(&[arg("col1", "STRING")], "STRING"),
            sig(&[arg("col1", "BYTES")], "BYTES"),
        ],
    ),
    aggregate(
        "STDDEV_SAMP",
        "Returns the sample standard deviation of the column. Applicable only to numeric types.",
        &[
            sig(&[arg("col1", "BIGINT")], "DOUBLE"),
            sig(&[arg("col1", "INT")], "DOUBLE"),
            sig(&[arg("col1", "DOUBLE")], "DOUBLE"),
        ],
    ),
    aggregate(
        "STDDEV_SAMPLE",
        "Returns the sample standard deviation of the column. Applicable only to numeric types.",
        &[
            sig(&[arg("col1", "BIGINT")], "DOUBLE"),
            sig(&[arg("col1", "INT")], "DOUBLE"),
            sig(&[arg("col1", "DOUBLE")], "DOUBLE"),
        ],
    ),
    aggregate(
        "SUM",
        "Computes the sum for a key.",
        &[
            sig(&[arg("col1", "DECIMAL")], "DECIMAL"),
            sig(&[arg("col1", "DOUBLE")], "DOUBLE"),
            sig(&[arg("col1", "BIGINT")], "BIGINT"),
            sig(&[arg("col1", "INT")], "INT"),
        ],
    ),
    aggregate(
        "SUM_LIST",
        "Returns the sum of elements contained in the list.",
        &[
            sig(&[arg("col1", "ARRAY<DOUBLE>")], "DOUBLE"),
            sig(&[arg("col1", "ARRAY<INT>")], "INT"),
            sig(&[arg("col1", "ARRAY<BIGINT>")], "BIGINT"),
        ],
    ),
    aggregate(
        "TOPK",
        "Returns the top k values for a column and other values in those records.",
        &[
            sig(&[arg("col1", "INT"), arg("k", "INT")], "ARRAY<INT>"),
            sig(&[arg("col1", "BIGINT"), arg("k", "INT")], "ARRAY<BIGINT>"),
            sig(&[arg("col1", "DOUBLE"), arg("k", "INT")], "ARRAY<DOUBLE>"),
            sig(&[arg("col1", "STRING"), arg("k", "INT")], "ARRAY<STRING>"),
            sig(&[arg("col1", "INT"), variadic("others", "ANY"), arg("k", "INT")], "ARRAY<STRUCT>"),
            sig(&[arg("col1", "BIGINT"), variadic("others", "ANY"), arg("k", "INT")], "ARRAY<STRUCT>"),
            sig(&[arg("col1", "DOUBLE"), variadic("others", "ANY"), arg("k", "INT")], "ARRAY<STRUCT>"),
            sig(&[arg("col1", "STRING"), variadic("others", "ANY"), arg("k", "INT")], "ARRAY<STRUCT>"),
        ],
    ),
    aggregate(
        "TOPKDISTINCT",
        "Computes the top k distinct values for a column, per key.",
        &[
            sig(&[arg("col1", "INT"), arg("k", "INT")], "ARRAY<INT>"),
            sig(&[arg("col1", "BIGINT"), arg("k", "INT")], "ARRAY<BIGINT>"),
            sig(&[arg("col1", "DOUBLE"), arg("k", "INT")], "ARRAY<DOUBLE>"),
            sig(&[arg("col1", "STRING"), arg("k", "INT")], "ARRAY<STRING>"),
            sig(&[arg("col1", "DECIMAL"), arg("k", "INT")], "ARRAY<DECIMAL>"),
            sig(&[arg("col1", "DATE"), arg("k", "INT")], "ARRAY<DATE>"),
            sig(&[arg("col1", "TIME"), arg("k", "INT")], "ARRAY<TIME>"),
            sig(&[arg("col1", "TIMESTAMP"), arg("k", "INT")], "ARRAY<TIMESTAMP>"),
            sig(&[arg("col1", "BYTES"), arg("k", "INT")], "ARRAY<BYTES>"),
        ],
    ),
];
