//! Text functions: case, padding, masking, splitting, searching, encoding, regular expressions.

use super::{
    category::{REGULAR_EXPRESSION, STRING},
    *,
};

/// Sorted by name (a unit test checks).
pub(super) const FUNCTIONS: &[Function] = &[
    scalar(
        "CHR",
        STRING,
        "Returns a single-character string corresponding to the input character code.",
        &[sig(&[arg("decimalCode", "INT")], "STRING"), sig(&[arg("utf16Code", "STRING")], "STRING")],
    ),
    scalar(
        "CONCAT",
        STRING,
        "Concatenate an arbitrary number of string or bytes fields together",
        &[sig(&[variadic("inputs", "STRING")], "STRING"), sig(&[variadic("inputs", "BYTES")], "BYTES")],
    ),
    scalar(
        "CONCAT_WS",
        STRING,
        "Concatenate several strings or bytes, inserting a separator passed as the first argument between each one.",
        &[sig(&[variadic("inputs", "STRING")], "STRING"), sig(&[variadic("inputs", "BYTES")], "BYTES")],
    ),
    scalar(
        "ELT",
        STRING,
        "ELT() returns the Nth element of the list of strings. Returns NULL if N is less than 1 or greater than the \
         number of arguments. Note that this method is 1-indexed. This is the complement to FIELD.",
        &[sig(&[arg("n", "INT"), variadic("args", "STRING")], "STRING")],
    ),
    scalar(
        "ENCODE",
        STRING,
        "Takes an input string s, which is encoded as input_encoding, and encodes it as output_encoding. The \
         accepted input and output encodings are: hex, utf8, ascii and base64. Throws exception if provided \
         encodings are not supported.",
        &[sig(&[arg("str", "STRING"), arg("inputEncoding", "STRING"), arg("outputEncoding", "STRING")], "STRING")],
    ),
    scalar(
        "FIELD",
        STRING,
        "Returns the position (1-indexed) of str in args, or 0 if not found. If str is NULL, the return value is 0 \
         because NULL is not considered equal to any value. This is the compliment to ELT.",
        &[sig(&[arg("str", "STRING"), variadic("args", "STRING")], "INT")],
    ),
    scalar(
        "FROM_BYTES",
        STRING,
        "Converts a BYTES value to STRING in the specified encoding. The accepted encoders are 'hex', 'utf8', \
         'ascii', and 'base64'.",
        &[sig(&[arg("value", "BYTES"), arg("encoding", "STRING")], "STRING")],
    ),
    scalar(
        "INITCAP",
        STRING,
        "Capitalizes the first letter of each word in a string and the rest lowercased. Words are delimited by \
         whitespace.",
        &[sig(&[arg("str", "STRING")], "STRING")],
    ),
    scalar(
        "INSTR",
        STRING,
        "Returns the position of substring in the provided string",
        &[
            sig(&[arg("str", "STRING"), arg("substring", "STRING")], "INT"),
            sig(&[arg("str", "STRING"), arg("substring", "STRING"), arg("position", "INT")], "INT"),
            sig(
                &[arg("str", "STRING"), arg("substring", "STRING"), arg("position", "INT"), arg("occurrence", "INT")],
                "INT",
            ),
        ],
    ),
    scalar(
        "LCASE",
        STRING,
        "Returns a lower-case version of the input string.",
        &[sig(&[arg("input", "STRING")], "STRING")],
    ),
    scalar(
        "LEN",
        STRING,
        "Returns the length of the input string or byte array.",
        &[sig(&[arg("input", "STRING")], "INT"), sig(&[arg("input", "BYTES")], "INT")],
    ),
    scalar(
        "LPAD",
        STRING,
        "Pads the input string or bytes, starting from the beginning, with the specified padding string until the \
         target length is reached. If the input string or bytes are longer than the specified target length it will \
         be truncated. If the padding string or bytes are empty or NULL, or the target length is negative, then \
         NULL is returned.",
        &[
            sig(&[arg("input", "STRING"), arg("targetLen", "INT"), arg("padding", "STRING")], "STRING"),
            sig(&[arg("input", "BYTES"), arg("targetLen", "INT"), arg("padding", "BYTES")], "BYTES"),
        ],
    ),
    scalar(
        "MASK",
        STRING,
        "Returns a version of the input string with every character replaced by a mask. Default masking rules will \
         replace all upper-case characters with 'X', all lower-case characters with 'x', all digits with 'n', and \
         any other character with '-'.",
        &[
            sig(&[arg("input", "STRING")], "STRING"),
            sig(
                &[
                    arg("input", "STRING"),
                    arg("upper", "STRING"),
                    arg("lower", "STRING"),
                    arg("digit", "STRING"),
                    arg("other", "STRING"),
                ],
                "STRING",
            ),
        ],
    ),
    scalar(
        "MASK_KEEP_LEFT",
        STRING,
        "Returns a version of the input string with all but the specified number of left-most characters masked \
         out. Default masking rules will replace all upper-case characters with 'X', all lower-case characters with \
         'x', all digits with 'n', and any other character with '-'.",
        &[
            sig(&[arg("input", "STRING"), arg("numChars", "INT")], "STRING"),
            sig(
                &[
                    arg("input", "STRING"),
                    arg("numChars", "INT"),
                    arg("upper", "STRING"),
                    arg("lower", "STRING"),
                    arg("digit", "STRING"),
                    arg("other", "STRING"),
                ],
                "STRING",
            ),
        ],
    ),
    scalar(
        "MASK_KEEP_RIGHT",
        STRING,
        "Returns a version of the input string with all but the specified number of right-most characters masked \
         out. Default masking rules will replace all upper-case characters with 'X', all lower-case characters with \
         'x', all digits with 'n', and any other character with '-'.",
        &[
            sig(&[arg("input", "STRING"), arg("numChars", "INT")], "STRING"),
            sig(
                &[
                    arg("input", "STRING"),
                    arg("numChars", "INT"),
                    arg("upper", "STRING"),
                    arg("lower", "STRING"),
                    arg("digit", "STRING"),
                    arg("other", "STRING"),
                ],
                "STRING",
            ),
        ],
    ),
    scalar(
        "MASK_LEFT",
        STRING,
        "Returns a version of the input string with the specified number of characters, starting from the beginning \
         of the string, masked out. Default masking rules will replace all upper-case characters with 'X', all \
         lower-case characters with 'x', all digits with 'n', and any other character with '-'.",
        &[
            sig(&[arg("input", "STRING"), arg("numChars", "INT")], "STRING"),
            sig(
                &[
                    arg("input", "STRING"),
                    arg("numChars", "INT"),
                    arg("upper", "STRING"),
                    arg("lower", "STRING"),
                    arg("digit", "STRING"),
                    arg("other", "STRING"),
                ],
                "STRING",
            ),
        ],
    ),
    scalar(
        "MASK_RIGHT",
        STRING,
        "Returns a version of the input string with the specified number of characters, counting back from the end \
         of the string, masked out. Default masking rules will replace all upper-case characters with 'X', all \
         lower-case characters with 'x', all digits with 'n', and any other character with '-'.",
        &[
            sig(&[arg("input", "STRING"), arg("numChars", "INT")], "STRING"),
            sig(
                &[
                    arg("input", "STRING"),
                    arg("numChars", "INT"),
                    arg("upper", "STRING"),
                    arg("lower", "STRING"),
                    arg("digit", "STRING"),
                    arg("other", "STRING"),
                ],
                "STRING",
            ),
        ],
    ),
    // ksqlDB 7.5 / CP 7.5 (not in 0.29).
    scalar(
        "MD5",
        STRING,
        "Computes the hex-encoded md5 hash of the given string",
        &[sig(&[arg("s", "STRING")], "STRING")],
    ),
    scalar(
        "REGEXP_EXTRACT",
        REGULAR_EXPRESSION,
        "extract the first subtring matched by a regex pattern",
        &[
            sig(&[arg("pattern", "STRING"), arg("input", "STRING")], "STRING"),
            sig(&[arg("pattern", "STRING"), arg("input", "STRING"), arg("group", "INT")], "STRING"),
        ],
    ),
    scalar(
        "REGEXP_EXTRACT_ALL",
        REGULAR_EXPRESSION,
        "Extracts the all subtrings matched by a regex pattern",
        &[
            sig(&[arg("pattern", "STRING"), arg("input", "STRING")], "ARRAY<STRING>"),
            sig(&[arg("pattern", "STRING"), arg("input", "STRING"), arg("group", "INT")], "ARRAY<STRING>"),
        ],
    ),
    scalar(
        "REGEXP_REPLACE",
        REGULAR_EXPRESSION,
        "Replaces all matches of a regexp in a string with a new substring.",
        &[sig(&[arg("str", "STRING"), arg("regexp", "STRING"), arg("newStr", "STRING")], "STRING")],
    ),
    scalar(
        "REGEXP_SPLIT_TO_ARRAY",
        REGULAR_EXPRESSION,
        "Splits a string into an array of substrings based on a regexp. If the regexp is found at the beginning of \
         the string, end of the string, or there are contiguous matches in the string, then empty strings are added \
         to the array. If the regexp is not found, then the original string is returned as the only element in the \
         array. If the regexp is empty, then all characters in the string are split.",
        &[sig(&[arg("string", "STRING"), arg("regexp", "STRING")], "ARRAY<STRING>")],
    ),
    scalar(
        "REPLACE",
        STRING,
        "Replaces all occurances of a substring in a string with a new substring.",
        &[sig(&[arg("str", "STRING"), arg("oldStr", "STRING"), arg("newStr", "STRING")], "STRING")],
    ),
    scalar(
        "RPAD",
        STRING,
        "Pads the input string or bytes, starting from the end, with the specified padding string until the target \
         length is reached. If the input string or bytes are longer than the specified target length it will be \
         truncated. If the padding string or bytes are empty or NULL, or the target length is negative, then NULL \
         is returned.",
        &[
            sig(&[arg("input", "STRING"), arg("targetLen", "INT"), arg("padding", "STRING")], "STRING"),
            sig(&[arg("input", "BYTES"), arg("targetLen", "INT"), arg("padding", "BYTES")], "BYTES"),
        ],
    ),
    scalar(
        "SPLIT",
        STRING,
        "Splits a string or bytes into an array of substrings or bytes based on a delimiter. If the delimiter is \
         found at the beginning of the string/bytes, end of the string/bytes, or there are contiguous delimiters in \
         the string/bytes, then empty strings/bytes are added to the array. If the delimiter is not found, then the \
         original string or bytes is returned as the only element in the array. If the delimiter is empty, then all \
         characters or bytes in the string or bytes are split.",
        &[
            sig(&[arg("string", "STRING"), arg("delimiter", "STRING")], "ARRAY<STRING>"),
            sig(&[arg("bytes", "BYTES"), arg("delimiter", "BYTES")], "ARRAY<BYTES>"),
        ],
    ),
    scalar(
        "SPLIT_TO_MAP",
        STRING,
        "Splits a string into key-value pairs and creates a map from them. The 'entryDelimiter' splits the string \
         into key-value pairs which are then split by 'kvDelimiter'. If the same key is present multiple times in \
         the input, the latest value for that key is returned. Returns NULL if the input text or either of the \
         delimiters is NULL.",
        &[sig(
            &[arg("input", "STRING"), arg("entryDelimiter", "STRING"), arg("kvDelimiter", "STRING")],
            "MAP<STRING, STRING>",
        )],
    ),
    scalar(
        "SUBSTRING",
        STRING,
        "Returns the portion of the string or bytes passed in value.",
        &[
            sig(&[arg("str", "STRING"), arg("pos", "INT")], "STRING"),
            sig(&[arg("str", "STRING"), arg("pos", "INT"), arg("length", "INT")], "STRING"),
            sig(&[arg("bytes", "BYTES"), arg("pos", "INT")], "BYTES"),
            sig(&[arg("bytes", "BYTES"), arg("pos", "INT"), arg("length", "INT")], "BYTES"),
        ],
    ),
    scalar(
        "TO_BYTES",
        STRING,
        "Converts a STRING value in the specified encoding to BYTES. The accepted encoders are 'hex', 'utf8', \
         'ascii', and 'base64'.",
        &[sig(&[arg("value", "STRING"), arg("encoding", "STRING")], "BYTES")],
    ),
    scalar(
        "TRIM",
        STRING,
        "Remove whitespace from the beginning and end of a string.",
        &[sig(&[arg("input", "STRING")], "STRING")],
    ),
    scalar(
        "UCASE",
        STRING,
        "Returns an upper-case version of the input string.",
        &[sig(&[arg("input", "STRING")], "STRING")],
    ),
    scalar(
        "UUID",
        STRING,
        "Create a Universally Unique Identifier (UUID) generated according to RFC 4122. A call to UUID() returns a \
         value conforming to UUID version 4, sometimes called \"random UUID\", as described in RFC 4122. A call to \
         UUID(bytes) returns a value conforming to UUID. The value is a 128-bit number represented as a string of \
         five hexadecimal numbers aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee.",
        &[sig(&[], "STRING"), sig(&[arg("bytes", "BYTES")], "STRING")],
    ),
];
