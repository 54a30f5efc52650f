//! Mathematical functions: rounding, powers and logarithms, trigonometry, GREATEST/LEAST.

use super::{category::MATHEMATICAL, *};

/// Sorted by name (a unit test checks).
pub(super) const FUNCTIONS: &[Function] = &[
    scalar(
        "ABS",
        MATHEMATICAL,
        "Returns the absolute value of its argument. If the argument is not negative, the argument is returned. If \
         the argument is negative, the negation of the argument is returned.",
        &[
            sig(&[arg("val", "INT")], "INT"),
            sig(&[arg("val", "BIGINT")], "BIGINT"),
            sig(&[arg("val", "DOUBLE")], "DOUBLE"),
            sig(&[arg("val", "DECIMAL")], "DECIMAL"),
        ],
    ),
    scalar(
        "ACOS",
        MATHEMATICAL,
        "The inverse (arc) cosine of a value. The returned value is in radians.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "ASIN",
        MATHEMATICAL,
        "The inverse (arc) sine of a value. The returned value is in radians.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "ATAN",
        MATHEMATICAL,
        "The inverse (arc) tangent of a value. The returned value is in radians.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "ATAN2",
        MATHEMATICAL,
        "The inverse (arc) tangent of y / x. This is equivalent to the angle theta when Cartesian coordinates (x, \
         y) are converted to polar coordinates (radius, theta). The returned value is in radians.",
        &[
            sig(&[arg("y", "INT"), arg("x", "INT")], "DOUBLE"),
            sig(&[arg("y", "BIGINT"), arg("x", "BIGINT")], "DOUBLE"),
            sig(&[arg("y", "DOUBLE"), arg("x", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "CBRT",
        MATHEMATICAL,
        "The cube root of a value.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "CEIL",
        MATHEMATICAL,
        "Returns the smallest integer greater than or equal to the specified numeric expression.",
        &[
            sig(&[arg("val", "INT")], "INT"),
            sig(&[arg("val", "BIGINT")], "BIGINT"),
            sig(&[arg("val", "DOUBLE")], "DOUBLE"),
            sig(&[arg("val", "DECIMAL")], "DECIMAL"),
        ],
    ),
    scalar(
        "COS",
        MATHEMATICAL,
        "The cosine of a value.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "COSH",
        MATHEMATICAL,
        "The hyperbolic cosine of a value.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "COT",
        MATHEMATICAL,
        "The cotangent of a value.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "DEGREES",
        MATHEMATICAL,
        "Converts a value in radians to a value in degrees.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "EXP",
        MATHEMATICAL,
        "The exponential of a value.",
        &[
            sig(&[arg("exponent", "INT")], "DOUBLE"),
            sig(&[arg("exponent", "BIGINT")], "DOUBLE"),
            sig(&[arg("exponent", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "FLOOR",
        MATHEMATICAL,
        "Returns the largest integer less than or equal to the specified numeric expression.",
        &[
            sig(&[arg("val", "INT")], "INT"),
            sig(&[arg("val", "BIGINT")], "BIGINT"),
            sig(&[arg("val", "DOUBLE")], "DOUBLE"),
            sig(&[arg("val", "DECIMAL")], "DECIMAL"),
        ],
    ),
    scalar(
        "GREATEST",
        MATHEMATICAL,
        "Returns the highest non-null value among a variable number of comparable columns.",
        &[
            sig(&[arg("val", "INT"), variadic("vals", "INT")], "INT"),
            sig(&[arg("val", "BIGINT"), variadic("vals", "BIGINT")], "BIGINT"),
            sig(&[arg("val", "DOUBLE"), variadic("vals", "DOUBLE")], "DOUBLE"),
            sig(&[arg("val", "STRING"), variadic("vals", "STRING")], "STRING"),
            sig(&[arg("val", "BYTES"), variadic("vals", "BYTES")], "BYTES"),
            sig(&[arg("val", "DATE"), variadic("vals", "DATE")], "DATE"),
            sig(&[arg("val", "TIME"), variadic("vals", "TIME")], "TIME"),
            sig(&[arg("val", "TIMESTAMP"), variadic("vals", "TIMESTAMP")], "TIMESTAMP"),
            sig(&[arg("val", "DECIMAL"), variadic("vals", "DECIMAL")], "DECIMAL"),
        ],
    ),
    scalar(
        "LEAST",
        MATHEMATICAL,
        "Returns the lowest non-null value among a variable number of comparable columns",
        &[
            sig(&[arg("val", "INT"), variadic("vals", "INT")], "INT"),
            sig(&[arg("val", "BIGINT"), variadic("vals", "BIGINT")], "BIGINT"),
            sig(&[arg("val", "DOUBLE"), variadic("vals", "DOUBLE")], "DOUBLE"),
            sig(&[arg("val", "STRING"), variadic("vals", "STRING")], "STRING"),
            sig(&[arg("val", "BYTES"), variadic("vals", "BYTES")], "BYTES"),
            sig(&[arg("val", "DATE"), variadic("vals", "DATE")], "DATE"),
            sig(&[arg("val", "TIME"), variadic("vals", "TIME")], "TIME"),
            sig(&[arg("val", "TIMESTAMP"), variadic("vals", "TIMESTAMP")], "TIMESTAMP"),
            sig(&[arg("val", "DECIMAL"), variadic("vals", "DECIMAL")], "DECIMAL"),
        ],
    ),
    scalar(
        "LN",
        MATHEMATICAL,
        "The natural logarithm of a value.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "LOG",
        MATHEMATICAL,
        "The logarithm of a value.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
            sig(&[arg("base", "INT"), arg("value", "INT")], "DOUBLE"),
            sig(&[arg("base", "BIGINT"), arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("base", "DOUBLE"), arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar("PI", MATHEMATICAL, "Returns an approximate value of pi.", &[sig(&[], "DOUBLE")]),
    scalar(
        "POWER",
        MATHEMATICAL,
        "Given a base and an exponent, returns the result of the base raised to the exponent.",
        &[
            sig(&[arg("base", "INT"), arg("exponent", "INT")], "DOUBLE"),
            sig(&[arg("base", "BIGINT"), arg("exponent", "BIGINT")], "DOUBLE"),
            sig(&[arg("base", "DOUBLE"), arg("exponent", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "RADIANS",
        MATHEMATICAL,
        "Converts a value in degrees to a value in radians.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "RANDOM",
        MATHEMATICAL,
        "Returns a random number greater than or equal to 0.0 and less than 1.0.",
        &[sig(&[], "DOUBLE")],
    ),
    scalar(
        "ROUND",
        MATHEMATICAL,
        "Round a value to the number of decimal places as specified by scale to the right of the decimal point. If \
         scale is negative then value is rounded to the right of the decimal point. Numbers equidistant to the \
         nearest value are rounded up (in the positive direction). If the number of decimal places is not provided \
         it defaults to zero.",
        &[
            sig(&[arg("val", "BIGINT")], "BIGINT"),
            sig(&[arg("val", "INT")], "BIGINT"),
            sig(&[arg("val", "DOUBLE")], "BIGINT"),
            sig(&[arg("val", "DOUBLE"), arg("decimalPlaces", "INT")], "DOUBLE"),
            sig(&[arg("val", "DECIMAL")], "DECIMAL"),
            sig(&[arg("val", "DECIMAL"), arg("decimalPlaces", "INT")], "DECIMAL"),
        ],
    ),
    scalar(
        "SIGN",
        MATHEMATICAL,
        "The sign of a value.",
        &[
            sig(&[arg("value", "INT")], "INT"),
            sig(&[arg("value", "BIGINT")], "INT"),
            sig(&[arg("value", "DOUBLE")], "INT"),
        ],
    ),
    scalar(
        "SIN",
        MATHEMATICAL,
        "The sine of a value.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "SINH",
        MATHEMATICAL,
        "The hyperbolic sine of a value.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "SQRT",
        MATHEMATICAL,
        "The square root of a value.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "TAN",
        MATHEMATICAL,
        "The tangent of a value.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "TANH",
        MATHEMATICAL,
        "The hyperbolic tangent of a value.",
        &[
            sig(&[arg("value", "INT")], "DOUBLE"),
            sig(&[arg("value", "BIGINT")], "DOUBLE"),
            sig(&[arg("value", "DOUBLE")], "DOUBLE"),
        ],
    ),
    scalar(
        "TRUNC",
        MATHEMATICAL,
        "Truncates a value to the number of decimal places as specified by scale to the right of the decimal point. \
         If scale is negative then value is truncated to the right of the decimal point.",
        &[
            sig(&[arg("val", "BIGINT")], "BIGINT"),
            sig(&[arg("val", "INT")], "BIGINT"),
            sig(&[arg("val", "DOUBLE")], "BIGINT"),
            sig(&[arg("val", "DOUBLE"), arg("decimalPlaces", "INT")], "DOUBLE"),
            sig(&[arg("val", "DECIMAL")], "DECIMAL"),
            sig(&[arg("val", "DECIMAL"), arg("decimalPlaces", "INT")], "DECIMAL"),
        ],
    ),
];
