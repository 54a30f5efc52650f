//! A flat JSON object read byte by byte: the shape of nearly every record the sandbox
//! stores (its own writer's output, Datagen's, what clients insert), scanned in one tight
//! loop before the general JSON reader is set up.
//!
//! Written by hand because no JSON crate offers a cheaper way through such records: through
//! jiter's entry points (a peek before each value, a string decoder set up for each name and
//! string, error positions kept) a two-field record cost ~1 200 instructions to read into a
//! row (callgrind, engine bench); through this reader ~900-1 000, most of it matching names to
//! columns and making the values. It takes only what is unambiguous and cheap to read
//! exactly: names and strings without escapes, integers of up to 18 digits, decimals of up
//! to 32 bytes, `true`, `false`, `null`, in an object with nothing nested.
//! Anything else answers [`Unsupported`], and the caller reads the record with jiter as
//! before, so this never decides whether a record is valid JSON, only reads the ones that
//! plainly are.

/// A value of a flat object's field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Flat<'a> {
    Null,
    Bool(bool),
    /// An integer of at most 18 digits (so it fits an i64), and whether it was written
    /// with a minus sign (`-0` is an integer zero, and a double -0.0).
    Int(i64, bool),
    /// A number with a fraction or an exponent, as written (valid JSON number grammar).
    Fraction(&'a str),
    /// A string without escapes (its bytes are its text).
    Str(&'a str),
}

/// The input goes beyond what this reader takes; read it with the general reader.
#[derive(Debug, PartialEq)]
pub struct Unsupported;

// What a byte inside a string is to [`FlatObject::string`]: text, its end, beyond this
// reader (a backslash or a control character), or part of a UTF-8 sequence to validate.
const PLAIN: u8 = 0;
const QUOTE: u8 = 1;
const REFUSED: u8 = 2;
const NON_ASCII: u8 = 3;

/// Each byte's class (see above), read once a byte.
const STRING_BYTE: [u8; 256] = {
    let mut table = [PLAIN; 256];
    let mut c = 0;
    while c < 256 {
        table[c] = match c as u8 {
            b'"' => QUOTE,
            b'\\' | 0..0x20 => REFUSED,
            0x80.. => NON_ASCII,
            _ => PLAIN,
        };
        c += 1;
    }
    table
};

/// The fields of a JSON object, in order.
pub struct FlatObject<'a> {
    bytes: &'a [u8],
    at: usize,
    first: bool,
}

/// Integers of more digits may not fit an i64: left to the general reader.
const MAX_INT_DIGITS: usize = 18;

/// Longer numbers with a fraction or exponent are left to the general reader: Rust's float
/// parse and jiter's agree on every number a record plausibly holds, but not at the
/// extremes (jiter refuses 4 300 integer digits; they stop reading an exponent's digits at
/// different values, which a fraction of ~65 000 zeros can bring into range).
const MAX_FRACTION_BYTES: usize = 32;

impl<'a> FlatObject<'a> {
    /// The object starting `bytes` (after any whitespace).
    pub fn open(bytes: &'a [u8]) -> Result<Self, Unsupported> {
        let mut object = FlatObject { bytes, at: 0, first: true };
        object.skip_whitespace();
        object.expect(b'{')?;
        Ok(object)
    }

    /// The next field's name and value; None after the object's closing brace when only
    /// whitespace follows it.
    // Inlined into each reader's loop: called per field, and a call costs ~150
    // instructions a record here (callgrind).
    #[inline(always)]
    pub fn next_field(&mut self) -> Result<Option<(&'a str, Flat<'a>)>, Unsupported> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'}') => return self.close().map(|()| None),
            Some(b',') if !self.first => {
                self.at += 1;
                self.skip_whitespace();
            }
            _ if self.first => {}
            _ => return Err(Unsupported),
        }
        self.first = false;
        self.expect(b'"')?;
        let name = self.string()?;
        self.skip_whitespace();
        self.expect(b':')?;
        self.skip_whitespace();
        Ok(Some((name, self.value()?)))
    }

    /// After the closing brace: nothing but whitespace.
    fn close(&mut self) -> Result<(), Unsupported> {
        self.at += 1;
        self.skip_whitespace();
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(Unsupported)
        }
    }

    fn value(&mut self) -> Result<Flat<'a>, Unsupported> {
        match self.peek().ok_or(Unsupported)? {
            b'"' => {
                self.at += 1;
                self.string().map(Flat::Str)
            }
            b'n' => self.literal(b"null", Flat::Null),
            b't' => self.literal(b"true", Flat::Bool(true)),
            b'f' => self.literal(b"false", Flat::Bool(false)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(Unsupported),
        }
    }

    fn literal(&mut self, word: &[u8], value: Flat<'a>) -> Result<Flat<'a>, Unsupported> {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(Unsupported)
        }
    }

    /// A string's text up to its closing quote (the opening one read): no escapes, no
    /// control characters, valid UTF-8.
    fn string(&mut self) -> Result<&'a str, Unsupported> {
        let rest = &self.bytes[self.at..];
        // One table look-up a byte finds the end and whether the text is all ASCII, where
        // comparing each byte three times and then checking it for ASCII took about twice
        // the instructions (callgrind). The first loop runs over plain ASCII, most strings'
        // whole text; the second takes the rest, and would do alone.
        let mut len = 0;
        while let Some(&c) = rest.get(len) {
            if STRING_BYTE[c as usize] != PLAIN {
                break;
            }
            len += 1;
        }
        let mut end = len;
        let mut ascii = true;
        loop {
            match STRING_BYTE[*rest.get(end).ok_or(Unsupported)? as usize] {
                PLAIN => {}
                NON_ASCII => ascii = false,
                QUOTE => break,
                _ => return Err(Unsupported),
            }
            end += 1;
        }
        let text = &rest[..end];
        self.at += end + 1;
        if ascii {
            // SAFETY: every byte is ASCII, so the slice is UTF-8.
            Ok(unsafe { std::str::from_utf8_unchecked(text) })
        } else {
            std::str::from_utf8(text).map_err(|_| Unsupported)
        }
    }

    /// A number in JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<Flat<'a>, Unsupported> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let int_start = self.at;
        let mut magnitude = 0i64;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            // Wraps past 19 digits, which are refused below.
            magnitude = magnitude.wrapping_mul(10).wrapping_add(i64::from(d - b'0'));
            self.at += 1;
        }
        let digits = self.at - int_start;
        if digits == 0 || (digits > 1 && self.bytes[int_start] == b'0') {
            return Err(Unsupported);
        }
        let mut fraction = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(Unsupported);
            }
            fraction = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(Unsupported);
            }
            fraction = true;
        }
        if fraction {
            if self.at - start > MAX_FRACTION_BYTES {
                return Err(Unsupported);
            }
            // SAFETY: the grammar above admits ASCII only.
            return Ok(Flat::Fraction(unsafe { std::str::from_utf8_unchecked(&self.bytes[start..self.at]) }));
        }
        if digits > MAX_INT_DIGITS {
            return Err(Unsupported);
        }
        Ok(Flat::Int(if negative { -magnitude } else { magnitude }, negative))
    }

    /// Skips ASCII digits; how many.
    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), Unsupported> {
        if self.peek() == Some(c) {
            self.at += 1;
            Ok(())
        } else {
            Err(Unsupported)
        }
    }

    /// JSON's whitespace: space, tab, line feed, carriage return.
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &(impl AsRef<[u8]> + ?Sized)) -> Result<Vec<(&str, Flat<'_>)>, Unsupported> {
        let mut object = FlatObject::open(text.as_ref())?;
        let mut out = Vec::new();
        while let Some(field) = object.next_field()? {
            out.push(field);
        }
        Ok(out)
    }

    #[test]
    fn reads_flat_objects_and_leaves_the_rest() {
        assert_eq!(
            fields(r#" { "A" : "x y" , "B":-12,"C":1.5e-3,"D":null,"E":true,"F":false,"é":"日本","Z":-0 } "#),
            Ok(vec![
                ("A", Flat::Str("x y")),
                ("B", Flat::Int(-12, true)),
                ("C", Flat::Fraction("1.5e-3")),
                ("D", Flat::Null),
                ("E", Flat::Bool(true)),
                ("F", Flat::Bool(false)),
                ("é", Flat::Str("日本")),
                ("Z", Flat::Int(0, true)),
            ])
        );
        assert_eq!(fields("{}"), Ok(vec![]));
        assert_eq!(fields(r#"{"N":999999999999999999}"#), Ok(vec![("N", Flat::Int(999_999_999_999_999_999, false))]));
        for text in [
            r#"{"A":"a\"b"}"#,
            r#"{"A\n":1}"#,
            "{\"A\":\"tab\there\"}",
            r#"{"A":[1]}"#,
            r#"{"A":{"B":1}}"#,
            r#"{"A":1,}"#,
            r#"{,"A":1}"#,
            r#"{"A":1 "B":2}"#,
            r#"{"A":01}"#,
            r#"{"A":-}"#,
            r#"{"A":1.}"#,
            r#"{"A":.5}"#,
            r#"{"A":1e}"#,
            r#"{"A":+1}"#,
            r#"{"A":1000000000000000000}"#,
            r#"{"A":nul}"#,
            r#"{"A":NaN}"#,
            r#"{"A":1} x"#,
            r#"{"A":1"#,
            r#"{"A""#,
            "[1]",
            "",
        ] {
            assert_eq!(fields(text), Err(Unsupported), "{text}");
        }
        assert_eq!(fields(b"{\"A\":\"\xff\"}"), Err(Unsupported), "not UTF-8");
        // Numbers at the extremes, where float parsers differ, are left to the general reader.
        assert_eq!(
            fields(r#"{"A":-1.2345678901234567E-300}"#),
            Ok(vec![("A", Flat::Fraction("-1.2345678901234567E-300"))])
        );
        let long_fraction = format!("{{\"A\":0.{}1e1000000}}", "0".repeat(999_999));
        let long_integer = format!("{{\"x\":1{}.5,\"A\":1}}", "0".repeat(4_400));
        for text in [long_fraction, long_integer, r#"{"A":1.000000000000000000000000000000001}"#.to_string()] {
            assert_eq!(fields(&text), Err(Unsupported), "{}", &text[..40]);
        }
        assert_eq!(fields(b"{\"\xc3\":1}"), Err(Unsupported), "a name cut inside a character");
    }
}
