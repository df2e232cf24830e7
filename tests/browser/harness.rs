//! Driving Chromium from the tests: the tools (Chromium, ChromeDriver, axe-core and the Nu
//! HTML Checker), one ChromeDriver and one browser session per flow group, waiting for pages
//! without fixed sleeps, screenshots, the accessibility audit and the HTML validator.
//!
//! The tools are found through environment variables (`.ci/run` sets them), or in their usual
//! places. When one is missing the tests fail in CI and say "skipped" elsewhere.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::{PATIENCE, free_port};

pub const CHROMIUM_ENV: &str = "CHORUS_TEST_CHROMIUM";
pub const CHROMEDRIVER_ENV: &str = "CHORUS_TEST_CHROMEDRIVER";
pub const AXE_ENV: &str = "CHORUS_TEST_AXE";
pub const VNU_ENV: &str = "CHORUS_TEST_VNU";
/// Where the screenshots of every audited page go (light and dark, 1366 and 390 pixels wide):
/// a folder outside the clone, kept after the test, by default under the system's temporary
/// folder.
pub const SCREENSHOTS_ENV: &str = "CHORUS_TEST_SCREENSHOTS";

/// The folder of the audited pages' screenshots.
pub fn gallery_root() -> PathBuf {
    match std::env::var_os(SCREENSHOTS_ENV) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => std::env::temp_dir().join("chorus-screenshots"),
    }
}

/// The widths (and heights) pages are shown at: a laptop and a phone.
pub const SIZES: [(u32, u32); 2] = [(1366, 900), (390, 844)];

/// A Chrome DevTools command through ChromeDriver (viewport and colour scheme emulation).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params}).to_string();
        (axum::http::Method::POST, Some(body))
    }
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Where the tools are.
#[derive(Debug, Clone)]
pub struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    pub axe: PathBuf,
    pub vnu: PathBuf,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn from_env(var: &str, fallback: impl FnOnce() -> Option<PathBuf>) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => Some(PathBuf::from(v)).filter(|p| p.is_file()),
        _ => fallback().filter(|p| p.is_file()),
    }
}

fn npm_cache(rel: &str) -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| {
        PathBuf::from(h)
            .join(".cache/chorus-browser/node_modules")
            .join(rel)
    })
}

impl Tools {
    /// The tools, or `None` (after saying what is missing) outside CI. In CI anything missing
    /// fails the test.
    pub fn find() -> Option<Tools> {
        let chromium = from_env(CHROMIUM_ENV, || {
            on_path("chromium").or_else(|| on_path("chromium-browser"))
        });
        let chromedriver = from_env(CHROMEDRIVER_ENV, || on_path("chromedriver"));
        let axe = from_env(AXE_ENV, || npm_cache("axe-core/axe.min.js"));
        let vnu = from_env(VNU_ENV, || npm_cache("vnu-jar/build/dist/vnu.jar"));
        let java = on_path("java");
        let mut missing = Vec::new();
        if chromium.is_none() {
            missing.push(format!("Chromium (set {CHROMIUM_ENV} or install chromium)"));
        }
        if chromedriver.is_none() {
            missing.push(format!(
                "ChromeDriver (set {CHROMEDRIVER_ENV} or install chromium-driver)"
            ));
        }
        if axe.is_none() {
            missing.push(format!("axe-core (set {AXE_ENV} to axe.min.js)"));
        }
        if vnu.is_none() {
            missing.push(format!("the Nu HTML Checker (set {VNU_ENV} to vnu.jar)"));
        }
        if java.is_none() {
            missing.push("java (runs the Nu HTML Checker)".to_owned());
        }
        if !missing.is_empty() {
            let list = missing.join(", ");
            if in_ci() {
                panic!("CI is set but the browser tests cannot run: missing {list}. See .ci/run.");
            }
            eprintln!("skipped: {list} missing");
            return None;
        }
        Some(Tools {
            chromium: chromium.unwrap(),
            chromedriver: chromedriver.unwrap(),
            axe: axe.unwrap(),
            vnu: vnu.unwrap(),
        })
    }
}

/// ChromeDriver on a free local port and one Chromium session; both end when dropped.
pub struct Browser {
    pub client: Client,
    pub base_url: String,
    pub javascript: bool,
    pub shots: PathBuf,
    /// This session's part of [`gallery_root`].
    pub gallery: PathBuf,
    driver: Child,
    _profile: TempDir,
}

impl Browser {
    pub async fn start(tools: &Tools, base_url: &str, javascript: bool, label: &str) -> Browser {
        let port = free_port();
        let driver_log = std::env::temp_dir().join(format!("chromedriver-{port}.log"));
        let mut driver = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", driver_log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let webdriver = format!("http://127.0.0.1:{port}");
        wait_for_driver(&mut driver, &webdriver).await;

        let profile = tempfile::Builder::new()
            .prefix("chorus-chromium-")
            .tempdir()
            .expect("a profile folder");
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--no-default-browser-check".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-extensions".to_owned(),
            "--window-size=1280,1000".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut prefs = serde_json::Map::new();
        if !javascript {
            args.push("--blink-settings=scriptEnabled=false".to_owned());
            prefs.insert(
                "profile.managed_default_content_settings.javascript".to_owned(),
                json!(2),
            );
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".to_owned(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": tools.chromium.display().to_string(),
                "args": args,
                "prefs": prefs,
            }),
        );
        let client = ClientBuilder::rustls()
            .expect("a TLS configuration")
            .capabilities(caps)
            .connect(&webdriver)
            .await
            .unwrap_or_else(|e| {
                let log = std::fs::read_to_string(&driver_log).unwrap_or_default();
                let tail: String = log
                    .lines()
                    .rev()
                    .take(40)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n");
                panic!("no Chromium session: {e}\n{tail}")
            });
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("browser-screenshots")
            .join(label);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("a screenshot folder");
        let gallery = gallery_root().join(label);
        let _ = std::fs::remove_dir_all(&gallery);
        std::fs::create_dir_all(&gallery).expect("a folder for the screenshots");
        Browser {
            client,
            base_url: base_url.to_owned(),
            javascript,
            shots,
            gallery,
            driver,
            _profile: profile,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&self.url(path))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The path (and query) of the page shown now.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits for an element matching `css`.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                let path = self.path().await;
                let source = self.client.source().await.unwrap_or_default();
                panic!("no `{css}` on {path} ({e}):\n{source}")
            }
        }
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// Waits until the page's address starts with `prefix` and its body is there.
    pub async fn wait_for_path(&self, prefix: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let path = self.path().await;
            if path.starts_with(prefix) && self.count("body").await > 0 {
                return path;
            }
            if Instant::now() > deadline {
                let source = self.client.source().await.unwrap_or_default();
                panic!("expected a page under {prefix}, still on {path}:\n{source}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `css` matches an element whose text contains `needle`.
    pub async fn wait_for_text(&self, css: &str, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(elements) = self.client.find_all(Locator::Css(css)).await {
                for e in elements {
                    if e.text().await.is_ok_and(|t| t.contains(needle)) {
                        return;
                    }
                }
            }
            if Instant::now() > deadline {
                let path = self.path().await;
                let source = self.client.source().await.unwrap_or_default();
                panic!("no `{css}` containing {needle:?} on {path}:\n{source}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clears a field and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear a field");
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks the button (or link) whose text is `label`.
    pub async fn click_text(&self, label: &str) {
        let xpath =
            format!("//button[normalize-space()='{label}'] | //a[normalize-space()='{label}']");
        let element = match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::XPath(&xpath))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                let path = self.path().await;
                let source = self.client.source().await.unwrap_or_default();
                panic!("no button or link {label:?} on {path} ({e}):\n{source}")
            }
        };
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {label:?}: {e}"));
    }

    /// Saves a screenshot of the page as `name.png` and prints its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("save a screenshot");
        println!("screenshot: {}", path.display());
        path
    }

    /// Runs a Chrome DevTools command.
    pub async fn cdp(&self, cmd: &'static str, params: Value) {
        self.client
            .issue_cmd(Cdp { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    }

    /// Shows pages `width` pixels wide (a phone below 500), in the dark scheme if `dark`.
    pub async fn emulate(&self, width: u32, height: u32, dark: bool) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500}),
        )
        .await;
        let scheme = if dark { "dark" } else { "light" };
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        )
        .await;
    }

    /// Back to the window's own size and the system's colour scheme.
    pub async fn stop_emulating(&self) {
        self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
            .await;
        self.cdp("Emulation.setEmulatedMedia", json!({"features": []}))
            .await;
    }

    /// Saves the page shown now at each of [`SIZES`], light and dark, into the gallery as
    /// `name-WIDTH-light.png` and `name-WIDTH-dark.png`. Gives the page's laid-out width at
    /// each size that is wider than the screen.
    pub async fn gallery(&self, name: &str) -> Vec<(u32, i64)> {
        let mut too_wide = Vec::new();
        for (width, height) in SIZES {
            for dark in [false, true] {
                self.emulate(width, height, dark).await;
                let scheme = if dark { "dark" } else { "light" };
                let png = self.client.screenshot().await.expect("a screenshot");
                let path = self.gallery.join(format!("{name}-{width}-{scheme}.png"));
                std::fs::write(&path, png).expect("save a screenshot");
            }
            let laid_out = self
                .client
                .execute("return document.documentElement.scrollWidth;", vec![])
                .await
                .expect("the page's width")
                .as_i64()
                .expect("a number");
            if laid_out > i64::from(width) {
                too_wide.push((width, laid_out));
            }
        }
        self.stop_emulating().await;
        too_wide
    }

    /// Signs in through `/login` and waits to land on the editor.
    pub async fn sign_in(&self, username: &str, password: &str) {
        self.goto("/login").await;
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
        self.wait_for_path("/editor").await;
    }

    /// Signs out with the button in the header.
    pub async fn sign_out(&self) {
        self.goto("/editor").await;
        self.click("form[action='/logout'] button").await;
        // Every path starts with "/": wait for the home page itself, so that the sign-out has
        // finished before the next page is asked for.
        let deadline = Instant::now() + PATIENCE;
        while self.path().await != "/" {
            assert!(
                Instant::now() < deadline,
                "signing out did not reach the home page"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.goto("/login").await;
        self.find("#username").await;
    }

    /// The session cookie, to fetch the same pages outside the browser.
    pub async fn cookie_header(&self) -> String {
        let cookies = self.client.get_all_cookies().await.expect("the cookies");
        cookies
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Runs axe-core on the page shown now and gives its violations.
    pub async fn axe(&self, axe_source: &str) -> Vec<Value> {
        assert!(self.javascript, "axe runs in a session with JavaScript");
        self.client
            .execute(&format!("{axe_source}\nreturn true;"), vec![])
            .await
            .expect("axe-core loads");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document).then(
                   r => done(r.violations.map(v => ({
                     id: v.id, impact: v.impact, help: v.help,
                     nodes: v.nodes.map(n => ({ target: n.target, html: n.html, summary: n.failureSummary }))
                   }))),
                   e => done([{ id: 'axe-error', help: String(e) }]));",
                vec![],
            )
            .await
            .expect("axe-core runs");
        result.as_array().cloned().unwrap_or_default()
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

async fn wait_for_driver(driver: &mut Child, webdriver: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = driver.try_wait() {
            panic!("chromedriver exited with {status}");
        }
        if let Ok(r) = client.get(format!("{webdriver}/status")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not answer at {webdriver}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs the Nu HTML Checker on `files` and gives its errors, one line each.
pub fn vnu_errors(tools: &Tools, files: &[PathBuf]) -> Vec<String> {
    let out = Command::new("java")
        .arg("-jar")
        .arg(&tools.vnu)
        .args(["--errors-only", "--format", "json", "--stdout"])
        .args(files)
        .output()
        .expect("java runs the Nu HTML Checker");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "the Nu HTML Checker gave no JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    report["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|m| m["type"] != "info")
        .map(|m| {
            let file = m["url"].as_str().unwrap_or("");
            let name = Path::new(file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            format!(
                "{name}:{}: {} — {}",
                m["lastLine"],
                m["message"].as_str().unwrap_or(""),
                m["extract"].as_str().unwrap_or("").trim()
            )
        })
        .collect()
}
