//! A scanner for the JSON records streams carry most: one object of fields, read in one
//! pass with each name and value borrowed from the bytes. Its rarer values, a nested array
//! or object and a string with escapes, are read by jiter one value at a time (so such a
//! record is still read once). It answers [`NotFlat`] at anything that is not JSON, at a
//! control character in a string and at a name with escapes, and the caller then reads the
//! record with jiter from the start (which gives the error).
//!
//! Written by hand because a general parser spends most of a small record's cost on what
//! most fields never need (peeking at value classes, decoding escapes, number kinds): jiter
//! took ~750 instructions for a 2-field record, this scanner about a fifth of that.

use jiter::Jiter;

/// A field's value, borrowed from the record's bytes (a number as its text, a nested value
/// as its JSON text), but a string with escapes, decoded.
#[derive(Debug, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Str(&'a str),
    /// Boxed: the enum stays as small as the common cases need.
    Escaped(Box<str>),
    Number(&'a str),
    Nested(&'a str),
}

/// The record is not a flat object this scanner reads (see the module's note).
#[derive(Debug, PartialEq)]
pub struct NotFlat;

/// A flat JSON object's fields, in their order.
pub struct FlatObject<'a> {
    /// The record, checked to be UTF-8 once (names and strings are slices of it).
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    /// A field was read (the next one follows a comma).
    after_field: bool,
}

impl<'a> FlatObject<'a> {
    /// The object's fields, once its opening brace is found.
    pub fn open(bytes: &'a [u8]) -> Result<Self, NotFlat> {
        let text = if bytes.is_ascii() {
            // SAFETY: ASCII is UTF-8. (The ASCII check is a word at a time; from_utf8 cost
            // a record as much as reading its fields.)
            unsafe { std::str::from_utf8_unchecked(bytes) }
        } else {
            std::str::from_utf8(bytes).map_err(|_| NotFlat)?
        };
        let mut object = FlatObject { text, bytes, at: 0, after_field: false };
        object.skip_whitespace();
        object.expect(b'{')?;
        Ok(object)
    }

    /// The next field; None after the closing brace, when nothing but whitespace follows it.
    pub fn next_field(&mut self) -> Result<Option<(&'a str, Scalar<'a>)>, NotFlat> {
        self.skip_whitespace();
        if self.byte()? == b'}' {
            self.at += 1;
            self.skip_whitespace();
            return if self.at == self.bytes.len() { Ok(None) } else { Err(NotFlat) };
        }
        if self.after_field {
            self.expect(b',')?;
            self.skip_whitespace();
        }
        self.expect(b'"')?;
        let name = self.string()?;
        self.skip_whitespace();
        self.expect(b':')?;
        self.skip_whitespace();
        let value = self.value()?;
        self.after_field = true;
        Ok(Some((name, value)))
    }

    fn value(&mut self) -> Result<Scalar<'a>, NotFlat> {
        match self.byte()? {
            b'"' => {
                self.at += 1;
                match self.string() {
                    Ok(text) => Ok(Scalar::Str(text)),
                    Err(NotFlat) => self.escaped().map(Scalar::Escaped),
                }
            }
            b'n' => self.literal(b"null", Scalar::Null),
            b't' => self.literal(b"true", Scalar::Bool(true)),
            b'f' => self.literal(b"false", Scalar::Bool(false)),
            b'-' | b'0'..=b'9' => self.number().map(Scalar::Number),
            b'[' | b'{' => self.nested().map(Scalar::Nested),
            _ => Err(NotFlat),
        }
    }

    /// A nested array or object's text: jiter steps over it (checking it is JSON); the
    /// caller parses it if a column reads it.
    #[cold]
    #[inline(never)]
    fn nested(&mut self) -> Result<&'a str, NotFlat> {
        let mut value = Jiter::new(&self.bytes[self.at..]);
        value.next_skip().map_err(|_| NotFlat)?;
        let end = self.at + value.current_index();
        let text = self.text.get(self.at..end).ok_or(NotFlat)?;
        self.at = end;
        Ok(text)
    }

    /// A string's text up to its closing quote (the opening one is read); NotFlat at an
    /// escape or a control character, with nothing read.
    fn string(&mut self) -> Result<&'a str, NotFlat> {
        let start = self.at;
        let rest = &self.bytes[start..];
        let len = rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).ok_or(NotFlat)?;
        if rest[len] != b'"' {
            return Err(NotFlat);
        }
        self.at = start + len + 1;
        // Between two quotes, so on character boundaries.
        self.text.get(start..start + len).ok_or(NotFlat)
    }

    /// A string [`FlatObject::string`] left (the opening quote is read), decoded by jiter.
    #[cold]
    #[inline(never)]
    fn escaped(&mut self) -> Result<Box<str>, NotFlat> {
        let quote = self.at - 1;
        let mut string = Jiter::new(&self.bytes[quote..]);
        let decoded = Box::from(string.next_str().map_err(|_| NotFlat)?);
        self.at = quote + string.current_index();
        Ok(decoded)
    }

    /// A number's text, as JSON's grammar has it: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<&'a str, NotFlat> {
        let start = self.at;
        self.eat(b'-');
        if !self.eat(b'0') {
            self.digits()?;
        }
        if self.eat(b'.') {
            self.digits()?;
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'+') || self.eat(b'-');
            self.digits()?;
        }
        // Only ASCII was read, so on character boundaries.
        self.text.get(start..self.at).ok_or(NotFlat)
    }

    /// One or more digits.
    fn digits(&mut self) -> Result<(), NotFlat> {
        let count = self.bytes[self.at..].iter().take_while(|b| b.is_ascii_digit()).count();
        self.at += count;
        if count == 0 {
            Err(NotFlat)
        } else {
            Ok(())
        }
    }

    fn literal(&mut self, word: &[u8], value: Scalar<'a>) -> Result<Scalar<'a>, NotFlat> {
        if !self.bytes[self.at..].starts_with(word) {
            return Err(NotFlat);
        }
        self.at += word.len();
        Ok(value)
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn byte(&self) -> Result<u8, NotFlat> {
        self.bytes.get(self.at).copied().ok_or(NotFlat)
    }

    /// Steps over `b` if it is next.
    fn eat(&mut self, b: u8) -> bool {
        let next = self.bytes.get(self.at) == Some(&b);
        self.at += usize::from(next);
        next
    }

    fn expect(&mut self, b: u8) -> Result<(), NotFlat> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(NotFlat)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Result<Vec<(&str, Scalar<'_>)>, NotFlat> {
        let mut object = FlatObject::open(text.as_bytes())?;
        let mut out = Vec::new();
        while let Some(field) = object.next_field()? {
            out.push(field);
        }
        Ok(out)
    }

    #[test]
    fn reads_flat_objects_of_scalars() {
        use Scalar::*;
        assert_eq!(fields("{}"), Ok(vec![]));
        assert_eq!(fields(" \t\r\n{ } \n"), Ok(vec![]));
        assert_eq!(
            fields(r#" { "a" : "x y" , "b":-12.5e+3,"c":null,"d":true,"e":false,"日本":"é","":0 } "#),
            Ok(vec![
                ("a", Str("x y")),
                ("b", Number("-12.5e+3")),
                ("c", Null),
                ("d", Bool(true)),
                ("e", Bool(false)),
                ("日本", Str("é")),
                ("", Number("0")),
            ])
        );
        for number in ["0", "-0", "7", "10", "0.5", "1E9", "2e-3", "-9223372036854775809", "1.0e400"] {
            assert_eq!(fields(&format!(r#"{{"n":{number}}}"#)), Ok(vec![("n", Number(number))]), "{number}");
        }
        // Escapes and nested values, read by jiter in the same pass.
        assert_eq!(
            fields(r#"{"a":"x\ty \u00e9","n":[1,{"m":"]"}] ,"o":{"p":[]},"q":1}"#),
            Ok(vec![
                ("a", Escaped("x\ty é".into())),
                ("n", Nested(r#"[1,{"m":"]"}]"#)),
                ("o", Nested(r#"{"p":[]}"#)),
                ("q", Number("1")),
            ])
        );
    }

    /// Everything that is not a JSON object, control characters in strings, escaped names.
    #[test]
    fn leaves_everything_else_to_the_general_parser() {
        let not_flat = [
            "",
            "[1]",
            "null",
            "{",
            r#"{"a":1"#,
            r#"{"a":1,}"#,
            r#"{,"a":1}"#,
            r#"{"a":1 "b":2}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            r#"{"a":1} x"#,
            r#"{"a":1}}"#,
            r#"{"a":"b\q"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a\"b":1}"#,
            "{\"a\":\"tab\there\"}",
            r#"{"a":[1,]}"#,
            r#"{"a":{"b"}}"#,
            r#"{"a":[1}"#,
            r#"{"a":nul}"#,
            r#"{"a":True}"#,
            r#"{"a":NaN}"#,
            r#"{"a":01}"#,
            r#"{"a":-}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":+1}"#,
            r#"{"a":"unterminated}"#,
        ];
        for text in not_flat {
            assert_eq!(fields(text), Err(NotFlat), "{text}");
        }
        assert!(FlatObject::open(b"{\"a\":\"\xff\"}").is_err(), "not UTF-8");
    }
}
