//! Structured logs with `tracing`; `RUST_LOG` selects what is shown, `CHORUS_LOG_FORMAT=json`
//! switches to one JSON object per line for log collectors. Operational metrics for
//! Prometheus are in [`metrics`].

use tracing_subscriber::EnvFilter;

pub mod metrics;

/// `verbose` is for the server; one-shot commands only show warnings unless `RUST_LOG` says more.
pub fn init(verbose: bool) {
    let default = if verbose {
        "info,sqlx=warn,tower_http=warn"
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let json = std::env::var("CHORUS_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// An error and its causes on one line, for the log.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
