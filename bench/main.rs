//! Chorus's benchmark suite. `bench/run` builds the binaries and runs this driver, which
//! starts a reference server and Chorus side by side on 127.0.0.1, seeds realistic data,
//! alternates runs of the reference and of Chorus, and prints medians and ratios as a
//! Markdown report. See BENCHMARKS.md for the method and the latest figures.

mod load;
mod peers;
mod reference;
mod report;
mod scenarios;
mod seed;
mod server;
mod text;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "chorus-bench",
    about = "Benchmarks Chorus against a reference server on loopback"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// The `chorus` binary to measure.
    #[arg(long, value_name = "FILE")]
    chorus: Option<PathBuf>,
    /// A short pass that checks every scenario runs and produces numbers (for CI).
    #[arg(long)]
    smoke: bool,
    /// Rounds of alternating reference and Chorus runs.
    #[arg(long)]
    rounds: Option<usize>,
    /// Seconds per measured run.
    #[arg(long)]
    seconds: Option<f64>,
    /// Concurrent connections of the load generator.
    #[arg(long)]
    connections: Option<usize>,
    /// Only these scenario groups (pages, search, json, cold, inbox, fanout), comma-separated.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Also write the report to this file.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Keep the working folder (database, logs) instead of deleting it.
    #[arg(long)]
    keep: bool,
    /// Run Chorus on this PostgreSQL database (postgres://...; it must be empty) instead of
    /// a new SQLite file.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the reference server (started by the driver itself).
    #[command(hide = true)]
    Reference {
        #[arg(long)]
        bind: SocketAddr,
    },
    /// Load one URL path of a running server (for profiling it): prints requests/s and latency.
    Load {
        /// The server's address, e.g. 127.0.0.1:8080 (loopback only).
        #[arg(long)]
        addr: SocketAddr,
        /// The path and query to ask for.
        #[arg(long, default_value = "/")]
        path: String,
        #[arg(long, default_value = "text/html")]
        accept: String,
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        #[arg(long, default_value_t = 16)]
        connections: usize,
    },
}

/// Sizes and durations of one benchmark run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub rounds: usize,
    pub seconds: Duration,
    pub warmup: Duration,
    pub connections: usize,
    pub posts: usize,
    pub sections: usize,
    pub likers: usize,
    pub likes_per_round: usize,
    pub instances: usize,
    pub realistic_instances: usize,
    pub followers_per_instance: usize,
    pub fanout_rounds: usize,
    pub reader_rate: f64,
    pub groups: Vec<String>,
    pub smoke: bool,
    /// PostgreSQL instead of SQLite, when given.
    pub database_url: Option<String>,
}

impl Plan {
    fn from(args: &Args) -> Plan {
        let mut plan = if args.smoke {
            Plan {
                rounds: 1,
                seconds: Duration::from_millis(300),
                warmup: Duration::from_millis(100),
                connections: 8,
                posts: 12,
                sections: 3,
                likers: 10,
                likes_per_round: 100,
                instances: 20,
                realistic_instances: 5,
                followers_per_instance: 10,
                fanout_rounds: 1,
                reader_rate: 50.0,
                groups: Vec::new(),
                smoke: true,
                database_url: None,
            }
        } else {
            Plan {
                rounds: 5,
                seconds: Duration::from_secs(3),
                warmup: Duration::from_millis(500),
                connections: 16,
                posts: 500,
                sections: 3,
                likers: 100,
                likes_per_round: 5_000,
                instances: 1_000,
                realistic_instances: 100,
                followers_per_instance: 10,
                fanout_rounds: 3,
                reader_rate: 200.0,
                groups: Vec::new(),
                smoke: false,
                database_url: None,
            }
        };
        if let Some(r) = args.rounds {
            plan.rounds = r.clamp(1, 50);
            plan.fanout_rounds = plan.fanout_rounds.min(plan.rounds);
        }
        if let Some(s) = args.seconds {
            plan.seconds = Duration::from_secs_f64(s.clamp(0.1, 600.0));
        }
        if let Some(c) = args.connections {
            plan.connections = c.clamp(1, 1024);
        }
        plan.database_url = args.database_url.clone();
        plan.groups = args
            .only
            .iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        plan
    }

    pub fn runs(&self, group: &str) -> bool {
        self.groups.is_empty() || self.groups.iter().any(|g| g == group)
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if let Some(Cmd::Reference { bind }) = args.command {
        return match reference::serve(bind) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("reference server: {e:#}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    if let Some(Cmd::Load {
        addr,
        path,
        accept,
        seconds,
        connections,
    }) = &args.command
    {
        if !addr.ip().is_loopback() {
            eprintln!("error: the load generator only sends to loopback addresses");
            return std::process::ExitCode::FAILURE;
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let request = load::get(&addr.to_string(), path, accept, "gzip, deflate, br");
        let duration = Duration::from_secs_f64(seconds.clamp(0.1, 3600.0));
        let s = runtime.block_on(load::closed_loop(
            *addr,
            std::sync::Arc::new(vec![request]),
            (*connections).clamp(1, 1024),
            duration,
            200,
        ));
        println!(
            "{:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, {} bytes/answer, {} other statuses (first {:?}), {} failed",
            s.rate(),
            s.percentile_ms(50.0),
            s.percentile_ms(99.0),
            s.mean_body(),
            s.bad_status,
            s.first_bad,
            s.failed
        );
        return std::process::ExitCode::SUCCESS;
    }
    let Some(chorus) = args.chorus.clone() else {
        eprintln!("error: --chorus FILE is required (bench/run passes it)");
        return std::process::ExitCode::FAILURE;
    };
    let plan = Plan::from(&args);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    match runtime.block_on(scenarios::run(&plan, chorus, args.keep)) {
        Ok(report) => {
            let text = report.markdown(&plan);
            println!("{text}");
            if let Some(out) = &args.out {
                if let Err(e) = std::fs::write(out, &text) {
                    eprintln!("error: cannot write {}: {e}", out.display());
                    return std::process::ExitCode::FAILURE;
                }
            }
            match report.problems() {
                problems if problems.is_empty() => std::process::ExitCode::SUCCESS,
                problems => {
                    for p in problems {
                        eprintln!("error: {p}");
                    }
                    std::process::ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
