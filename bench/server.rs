//! Starting and stopping the servers under test (Chorus and the reference) as child
//! processes, timing the first answer, and reading their memory from `/proc`.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use url::Url;

use crate::load;

/// How long a server may take to answer its first request before the run fails.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A free loopback port for a server, below the range the kernel hands to outgoing
/// connections, so that no client socket takes it while a server restarts.
pub fn free_port() -> anyhow::Result<u16> {
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|p| p.parse::<u16>().ok())
        })
        .unwrap_or(32768);
    let (low, high) = (10_000u16, ephemeral_low.max(10_100));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut rng = crate::text::Rng::new(u64::from(seed) ^ u64::from(std::process::id()));
    for _ in 0..200 {
        let port = low + rng.below(usize::from(high - low)) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Where and how Chorus runs: its binary, working folder and configuration.
#[derive(Clone)]
pub struct ChorusEnv {
    pub binary: PathBuf,
    pub dir: PathBuf,
    pub base_url: Url,
    pub bind: SocketAddr,
    pub database_url: String,
    pub data_dir: PathBuf,
}

impl ChorusEnv {
    pub fn new(binary: PathBuf, dir: PathBuf) -> anyhow::Result<ChorusEnv> {
        let port = free_port()?;
        let bind: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        Ok(ChorusEnv {
            binary,
            base_url: Url::parse(&format!("http://{bind}"))?,
            bind,
            database_url: format!("sqlite://{}", dir.join("chorus.db").display()),
            data_dir: dir.join("data"),
            dir,
        })
    }

    pub fn host(&self) -> String {
        self.bind.to_string()
    }

    /// `chorus` with this configuration, and nothing from the caller's `CHORUS_*` variables.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.binary);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("CHORUS_") {
                cmd.env_remove(key);
            }
        }
        cmd.current_dir(&self.dir)
            .env("CHORUS_BASE_URL", self.base_url.as_str())
            .env("CHORUS_BIND", self.bind.to_string())
            .env("CHORUS_DATABASE_URL", &self.database_url)
            .env("CHORUS_DATA_DIR", &self.data_dir)
            .env("CHORUS_ALLOW_PRIVATE_NETWORKS", "true")
            .env_remove("RUST_LOG");
        cmd
    }
}

/// A server child process; stopped when dropped.
pub struct Process {
    child: Child,
    pub addr: SocketAddr,
}

/// Memory of a process, in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub rss_kb: u64,
    pub hwm_kb: u64,
}

impl Process {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `VmRSS` and `VmHWM` from `/proc/PID/status`.
    pub fn memory(&self) -> anyhow::Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let field = |name: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Ok(Memory {
            rss_kb: field("VmRSS:"),
            hwm_kb: field("VmHWM:"),
        })
    }

    /// Asks the process to stop (SIGTERM), then kills it if it has not ended in five seconds.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// Polls `GET path` until it answers 200; gives the time since `started`.
async fn first_200(
    addr: SocketAddr,
    host: &str,
    path: &str,
    started: Instant,
    child: &mut Child,
) -> anyhow::Result<Duration> {
    let request = load::get(host, path, "text/html", "gzip, br");
    for _ in 0..(START_TIMEOUT.as_millis() as usize) {
        if let Ok((200, _)) = load::fetch(addr, &request).await {
            return Ok(started.elapsed());
        }
        if let Some(status) = child.try_wait()? {
            bail!("the server exited during start-up ({status})");
        }
        if started.elapsed() > START_TIMEOUT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    bail!("no 200 from {path} within {START_TIMEOUT:?}")
}

/// Starts `chorus serve`; gives the process and the time from launch to the first 200 of the
/// home page. The server's log goes to `serve.log` in its folder.
pub async fn start_chorus(env: &ChorusEnv) -> anyhow::Result<(Process, Duration)> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(env.dir.join("serve.log"))?;
    let mut cmd = env.command();
    cmd.arg("serve")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    let started = Instant::now();
    let mut child = cmd.spawn().context("starting chorus serve")?;
    let took = first_200(env.bind, &env.host(), "/", started, &mut child).await;
    let process = Process {
        child,
        addr: env.bind,
    };
    Ok((process, took?))
}

/// Starts the reference server (this program, `reference` subcommand).
pub async fn start_reference() -> anyhow::Result<Process> {
    let port = free_port()?;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let mut child = Command::new(std::env::current_exe()?)
        .args(["reference", "--bind", &addr.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .context("starting the reference server")?;
    first_200(addr, &addr.to_string(), "/page", Instant::now(), &mut child).await?;
    Ok(Process { child, addr })
}
