//! Options of live push queries, set per cell with a `%push` line before the SELECT.

use super::view::ViewMode;
use crate::kernel::settings::shell_words;
use std::time::Duration;

pub const DEFAULT_ROWS: usize = 100;
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(250);
/// Headless runs (nbclient, papermill: no stdin) must not hang on a push query without
/// LIMIT, so these apply there unless the cell says otherwise.
pub const HEADLESS_IDLE: Duration = Duration::from_secs(10);
pub const HEADLESS_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, PartialEq)]
pub struct PushOptions {
    /// `None`: chosen from the query (keyed table for aggregations and tables, else tail).
    pub mode: Option<ViewMode>,
    pub rows: usize,
    pub interval: Duration,
    pub timeout: Option<Duration>,
    pub idle: Option<Duration>,
    pub background: bool,
    pub newest_first: bool,
    /// `%chart`: the view is drawn as a Vega-Lite chart (updated in place like the table).
    pub chart: Option<ksqldb_render::chart::ChartSpec>,
    /// Whether a person watches (the front end allows stdin): not nbclient or papermill.
    pub interactive: bool,
}

impl Default for PushOptions {
    fn default() -> Self {
        Self {
            mode: None,
            rows: DEFAULT_ROWS,
            interval: DEFAULT_INTERVAL,
            timeout: None,
            idle: None,
            background: false,
            newest_first: false,
            chart: None,
            interactive: true,
        }
    }
}

pub const PUSH_USAGE: &str = "%push [--mode auto|tail|table|changelog] [--rows N] [--interval MS] [--timeout SECS] \
                              [--idle SECS] [--background] [--newest-first]";

impl PushOptions {
    pub fn parse(args: &str) -> Result<PushOptions, String> {
        let mut options = PushOptions::default();
        let words = shell_words(args).map_err(|e| e.to_string())?;
        let mut iter = words.into_iter();
        while let Some(word) = iter.next() {
            let (flag, inline) = match word.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (word.clone(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| iter.next())
                    .ok_or_else(|| format!("{flag} needs a value\nusage: {PUSH_USAGE}"))
            };
            match flag.as_str() {
                "--mode" | "-m" => {
                    let v = value()?;
                    options.mode = if v == "auto" {
                        None
                    } else {
                        Some(
                            ViewMode::parse(&v)
                                .ok_or_else(|| format!("unknown mode {v:?}: auto, tail, table or changelog"))?,
                        )
                    };
                }
                "tail" | "table" | "changelog" => options.mode = ViewMode::parse(&flag),
                "--rows" | "-n" => {
                    options.rows = value()?
                        .parse()
                        .ok()
                        .filter(|n| (1..=100_000).contains(n))
                        .ok_or("--rows takes 1 to 100000")?;
                }
                "--interval" => {
                    let ms: u64 = value()?
                        .parse()
                        .ok()
                        .filter(|n| (50..=60_000).contains(n))
                        .ok_or("--interval takes 50 to 60000 milliseconds")?;
                    options.interval = Duration::from_millis(ms);
                }
                "--timeout" => options.timeout = Some(seconds(&value()?, "--timeout")?),
                "--idle" => options.idle = Some(seconds(&value()?, "--idle")?),
                "--background" | "--bg" | "-b" => options.background = true,
                "--newest-first" => options.newest_first = true,
                "--newest-last" => options.newest_first = false,
                other => return Err(format!("unknown option {other}\nusage: {PUSH_USAGE}")),
            }
        }
        Ok(options)
    }

    /// Fills in the headless defaults when the front end cannot interact (no stdin).
    pub fn for_front_end(mut self, interactive: bool) -> PushOptions {
        self.interactive = interactive;
        if !interactive {
            self.idle = self.idle.or(Some(HEADLESS_IDLE));
            self.timeout = self.timeout.or(Some(HEADLESS_TIMEOUT));
        }
        self
    }
}

/// `30`, `30s`, `1.5s`, `500ms`, `2m`.
fn seconds(s: &str, flag: &str) -> Result<Duration, String> {
    let s = s.trim().to_ascii_lowercase();
    let (number, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else {
        (s.as_str(), 1.0)
    };
    let value: f64 = number.trim().parse().map_err(|_| format!("{flag} takes a duration such as 30, 30s or 500ms"))?;
    let secs = value * scale;
    if !(secs.is_finite() && secs > 0.0 && secs < 1e7) {
        return Err(format!("{flag} must be positive"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_options() {
        let o = PushOptions::parse("--mode table --rows 20 --interval 500 --timeout 30s --idle 500ms --background")
            .unwrap();
        assert_eq!(o.mode, Some(ViewMode::Table));
        assert_eq!(o.rows, 20);
        assert_eq!(o.interval, Duration::from_millis(500));
        assert_eq!(o.timeout, Some(Duration::from_secs(30)));
        assert_eq!(o.idle, Some(Duration::from_millis(500)));
        assert!(o.background);
        assert_eq!(PushOptions::parse("changelog --newest-first").unwrap().mode, Some(ViewMode::Changelog));
        assert_eq!(PushOptions::parse("--mode=auto").unwrap().mode, None);
        assert!(PushOptions::parse("--rows 0").is_err());
        assert!(PushOptions::parse("--bogus").is_err());
        assert!(PushOptions::parse("--timeout -1").is_err());
    }

    #[test]
    fn headless_defaults() {
        let o = PushOptions::default().for_front_end(false);
        assert_eq!(o.idle, Some(HEADLESS_IDLE));
        let o = PushOptions { timeout: Some(Duration::from_secs(1)), ..Default::default() }.for_front_end(false);
        assert_eq!(o.timeout, Some(Duration::from_secs(1)));
        assert_eq!(PushOptions::default().for_front_end(true).idle, None);
    }
}
