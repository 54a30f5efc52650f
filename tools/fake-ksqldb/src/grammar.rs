//! Statements a version's parser refuses although the scenario could match them: the order of
//! `DESCRIBE … EXTENDED`. ksqlDB 0.16 changed SqlBase.g4 from `DESCRIBE EXTENDED? sourceName`
//! to `DESCRIBE sourceName EXTENDED?` (confluentinc/ksql#6827; 0.17 / CP 6.2 was the first
//! release with it), and neither side takes the other's order. The messages are ANTLR's, as
//! each version's error listener words them (positions count from the statement's start).

/// The parse error `stmt` gets at ksqlDB `level`, if its DESCRIBE is in the other order.
pub fn describe_order_error(level: (u32, u32, u32), stmt: &str) -> Option<String> {
    let words = words(stmt.trim_end().trim_end_matches(';'));
    let [(describe_at, describe), (second_at, second), rest @ ..] = words.as_slice() else {
        return None;
    };
    if !describe.eq_ignore_ascii_case("DESCRIBE") {
        return None;
    }
    let is = |word: &str, keyword: &str| word.eq_ignore_ascii_case(keyword);
    if level >= (0, 16, 0) {
        // `DESCRIBE EXTENDED x`: no alternative of `statement` starts DESCRIBE EXTENDED.
        if !is(second, "EXTENDED") || rest.is_empty() {
            return None;
        }
        let (line, col) = position(stmt, *second_at);
        return Some(if level >= (0, 29, 0) {
            // 0.29 (confluentinc/ksql#9524) rewords it.
            format!("line {line}:{col}: Syntax Error\nSyntax error at or near '{second}' at line {line}:{col}")
        } else {
            let input = escape_ws(&stmt[*describe_at..second_at + second.len()]);
            format!("line {line}:{col}: no viable alternative at input '{input}'")
        });
    }
    // `DESCRIBE x EXTENDED`: the statement ends after the name, so EXTENDED is extraneous.
    let [(extended_at, extended)] = rest else { return None };
    if !is(extended, "EXTENDED") || ["EXTENDED", "FUNCTION", "CONNECTOR"].iter().any(|k| is(second, k)) {
        return None;
    }
    let (line, col) = position(stmt, *extended_at);
    Some(if level >= (0, 13, 0) {
        // 0.13 (confluentinc/ksql#6166) explains extraneous reserved words this way.
        format!(
            "line {line}:{col}: \"{extended}\" is a reserved keyword and it can't be used as an identifier. You can \
             use it as an identifier by escaping it as '{extended}' "
        )
    } else {
        format!("line {line}:{col}: extraneous input '{extended}' expecting ';'")
    })
}

/// The whitespace-separated words of `s` with their byte offsets.
fn words(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        match (c.is_whitespace(), start) {
            (true, Some(st)) => {
                out.push((st, &s[st..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

/// ANTLR's position of byte `at`: 1-based line, 1-based column (as ksqlDB prints it).
fn position(s: &str, at: usize) -> (usize, usize) {
    let before = &s[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// ANTLR's `escapeWSAndQuote` without the quotes.
fn escape_ws(s: &str) -> String {
    s.replace('\n', "\\n").replace('\r', "\\r").replace('\t', "\\t")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_generation_refuses_the_other_order() {
        let err = |level, stmt| describe_order_error(level, stmt);
        assert_eq!(err((0, 7, 1), "DESCRIBE EXTENDED riders;"), None);
        assert_eq!(
            err((0, 7, 1), "DESCRIBE riders EXTENDED;").as_deref(),
            Some("line 1:17: extraneous input 'EXTENDED' expecting ';'")
        );
        assert_eq!(
            err((0, 15, 0), "describe riders extended").as_deref(),
            Some(
                "line 1:17: \"extended\" is a reserved keyword and it can't be used as an identifier. You can use it \
                 as an identifier by escaping it as 'extended' "
            )
        );
        assert_eq!(err((0, 17, 0), "DESCRIBE riders EXTENDED;"), None);
        assert_eq!(
            err((0, 17, 0), "DESCRIBE\n  EXTENDED riders;").as_deref(),
            Some("line 2:3: no viable alternative at input 'DESCRIBE\\n  EXTENDED'")
        );
        assert_eq!(
            err((0, 29, 0), "DESCRIBE EXTENDED riders;").as_deref(),
            Some("line 1:10: Syntax Error\nSyntax error at or near 'EXTENDED' at line 1:10")
        );
        for (level, stmt) in [
            ((0, 29, 0), "DESCRIBE STREAMS EXTENDED;"),
            ((0, 7, 1), "DESCRIBE FUNCTION ABS;"),
            ((0, 29, 0), "SHOW STREAMS EXTENDED;"),
            ((0, 7, 1), "DESCRIBE riders;"),
        ] {
            assert_eq!(err(level, stmt), None, "{stmt}");
        }
    }
}
