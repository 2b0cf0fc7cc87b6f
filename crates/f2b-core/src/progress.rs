//! A progress indicator on stderr, shown only when stderr is a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counts items as they go by and shows the count on a terminal.
pub struct Progress {
    bar: ProgressBar,
    pending: u64,
}

/// How many items are counted locally before the shared counter is updated.
const BATCH: u64 = 4096;

impl Progress {
    /// A spinner counting `unit` (e.g. "records"), visible only on a terminal
    /// and when `quiet` is off.
    pub fn new(unit: &str, quiet: bool) -> Progress {
        let visible = !quiet && std::io::stderr().is_terminal();
        let bar = if visible {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
            let template = format!("{{spinner}} {{human_pos}} {unit} ({{per_sec}}) {{elapsed}}");
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress { bar, pending: 0 }
    }

    /// Counts one item.
    #[inline]
    pub fn tick(&mut self) {
        self.pending += 1;
        if self.pending >= BATCH {
            self.bar.inc(self.pending);
            self.pending = 0;
        }
    }

    /// Counts `n` items.
    pub fn add(&mut self, n: u64) {
        self.bar.inc(n);
    }

    /// Removes the indicator from the terminal.
    pub fn finish(&mut self) {
        self.bar.inc(std::mem::take(&mut self.pending));
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
