//! Numbers as people read them, for every layer's messages: `1 234 567`, `16 MB`, `1.5 MB`.

/// `1234567` → `1 234 567`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// `16 MB`, `1.5 MB`, `512 KB`, `900 bytes`.
pub fn human_bytes(n: usize) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MB", n / (1024 * 1024))
    } else if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_numbers() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(1234567), "1 234 567");
        assert_eq!(human_bytes(16 * 1024 * 1024), "16 MB");
        assert_eq!(human_bytes(1024 * 1024 + 512 * 1024), "1.5 MB");
        assert_eq!(human_bytes(64 * 1024), "64 KB");
        assert_eq!(human_bytes(900), "900 bytes");
    }
}
