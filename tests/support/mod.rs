//! The test harness shared by every integration test, compiled once into the suite (and
//! included by the two tests that must run as binaries of their own).
//!
//! - [`Backend`] and [`backends`]: every storage and HTTP test runs on SQLite, and on
//!   PostgreSQL whenever `CHORUS_TEST_POSTGRES_URL` is set (CI must set it).
//! - [`TestDb`]: a fresh, empty database for one test, removed when the test ends.
//! - [`TestApp`]: the real router in-process, driven with `tower::ServiceExt::oneshot`.
//! - [`TestServer`]: the real router on a real socket (`localhost:<port>`), so that several
//!   sites with different base URLs can talk to each other inside one test.
//! - [`Binary`]: the real `chorus` executable, for commands and for `chorus serve`.
//! - [`peer`]: a fake fediverse server with real keys and inboxes that record what arrives.
//! - [`forms`]: a cookie-keeping visitor that fills in and posts the site's forms.
//! - [`editor`]: a writer signed in to the editor, and the checks its tests use.
//! - [`images`]: photos and pictures to upload.
//! - [`s3`]: a fresh bucket on the S3-compatible test server (`CHORUS_TEST_S3_ENDPOINT`).

pub mod editor;
pub mod forms;
pub mod images;
pub mod peer;
pub mod s3;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode, header};
use bytes::Bytes;
use chorus::actions::{posts, profiles};
use chorus::app::App;
use chorus::config::Config;
use chorus::domain::{Role, Submission, Username};
use chorus::storage::Db;
use chorus::storage::follows;
use chorus::storage::remote::{RemoteActorData, upsert_remote_actor};
use chorus::storage::users::{self, NewUser, User};
use http_body_util::BodyExt;
use sqlx::Connection;
use tempfile::TempDir;
use tower::ServiceExt;
use url::Url;

/// The environment variable that points the tests at a PostgreSQL server. The tests create
/// and drop their own databases on it, so any database there works as the entry point.
pub const POSTGRES_ENV: &str = "CHORUS_TEST_POSTGRES_URL";

/// The public URL of in-process test sites.
pub const BASE_URL: &str = "https://community.example";

/// The password of every account made by the harness, and its Argon2id hash. Hashing in a
/// debug build takes about a second, so accounts made in-process reuse this hash; accounts
/// made through the real binary hash their own.
pub const TEST_PASSWORD: &str = "correct horse battery";
const TEST_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$fcSdnPZMzgDMpTe65/fmOQ$4OCJS6p3g6CqLF/wbGCLUfevHCgKZsmcwfw58Pfxp5A";

/// The `Accept` header of a peer asking for ActivityPub JSON.
pub const AS_JSON: (&str, &str) = ("accept", "application/activity+json");

/// How long to wait for something another process does (a server starting, a page changing).
pub const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends every storage and HTTP test runs on: SQLite always, PostgreSQL when
/// `CHORUS_TEST_POSTGRES_URL` is set. In CI (`CI` set) a missing PostgreSQL is an error, so
/// that nothing is skipped silently.
pub fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => list.push(Backend::Postgres),
        _ if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0") => {
            panic!(
                "CI is set but {POSTGRES_ENV} is not: the PostgreSQL half of the tests would be skipped. \
             Set {POSTGRES_ENV}=postgres://USER@HOST:PORT/DB (see .ci/run)."
            )
        }
        _ => {}
    }
    list
}

/// A fresh database for one test: a SQLite file in a temporary folder, or a new database
/// `chorus_t_<random>` on the PostgreSQL server, dropped again when this value is dropped.
/// The temporary folder also serves as the site's working directory and `data_dir`.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    pub dir: TempDir,
    /// Drops the PostgreSQL database when this value is dropped.
    _postgres: Option<PgDatabase>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let dir = tempfile::Builder::new()
            .prefix("chorus-test-")
            .tempdir()
            .expect("a temporary folder");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("chorus.db").display());
                TestDb {
                    backend,
                    url,
                    dir,
                    _postgres: None,
                }
            }
            Backend::Postgres => {
                let pg = PgDatabase::create().await;
                TestDb {
                    backend,
                    url: pg.url.clone(),
                    dir,
                    _postgres: Some(pg),
                }
            }
        }
    }

    /// A second connection pool on this database (what another process would see).
    pub async fn connect(&self) -> Db {
        Db::connect(&self.url)
            .await
            .expect("connect to the test database")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PgDatabase {
    async fn create() -> PgDatabase {
        let admin_url =
            std::env::var(POSTGRES_ENV).expect("backends() only offers PostgreSQL when it is set");
        let name = format!("chorus_t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_ENV}={admin_url}: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
        let _ = conn.close().await;
        let mut url = Url::parse(&admin_url).expect("CHORUS_TEST_POSTGRES_URL is a URL");
        url.set_path(&format!("/{name}"));
        PgDatabase {
            admin_url,
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for PgDatabase {
    /// Drops the database from a thread of its own: `Drop` cannot await, and the test's
    /// runtime may be the one that is ending.
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

/// A response, read to the end.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("a UTF-8 body")
    }

    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.text())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// A header's value, `""` when it is missing.
    pub fn header(&self, name: impl AsRef<str>) -> &str {
        self.headers
            .get(name.as_ref())
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn content_type(&self) -> &str {
        self.header(header::CONTENT_TYPE)
    }
}

/// The address in-process requests appear to come from.
pub const CLIENT_ADDR: ([u8; 4], u16) = ([127, 0, 0, 1], 50_000);

/// One Chorus site in-process: its state, its router and its database.
pub struct TestApp {
    pub app: App,
    pub router: Router,
    pub db: TestDb,
}

impl TestApp {
    /// A site at [`BASE_URL`] on a fresh database.
    pub async fn new(backend: Backend) -> TestApp {
        TestApp::with_config(backend, |_| {}).await
    }

    /// A site at [`BASE_URL`] on a fresh database, with one author, `name`.
    pub async fn with_author(backend: Backend, name: &str) -> TestApp {
        let site = TestApp::new(backend).await;
        site.create_user(name, Role::Author).await;
        site
    }

    /// A site whose configuration `adjust` may change before it starts.
    pub async fn with_config(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::new(backend).await;
        let mut config = test_config(&db, BASE_URL);
        adjust(&mut config);
        TestApp::start(db, config).await
    }

    async fn start(db: TestDb, config: Config) -> TestApp {
        eprintln!("site {} on {:?}", config.base_url, db.backend);
        let app = if config.media_store.starts_with("s3://") {
            let media = s3::open_store(&config);
            App::start_with_media(config, media).await
        } else {
            App::start(config).await
        }
        .expect("the app starts on a fresh database");
        let router = chorus::web::router(app.clone());
        TestApp { app, router, db }
    }

    /// Runs the real `chorus` binary on this site's database, base URL and data folder, as
    /// its operator would on the server.
    pub fn command_line(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let env = [
            ("CHORUS_DATABASE_URL", self.db.url.clone()),
            ("CHORUS_BASE_URL", self.app.config.base_url.to_string()),
            ("CHORUS_DATA_DIR", self.db.data_dir().display().to_string()),
        ]
        .map(|(k, v)| (k.to_owned(), v));
        run_to_end(chorus_command(self.db.dir.path(), &env, args), stdin)
    }

    /// An absolute URL on this site.
    pub fn url(&self, path: &str) -> String {
        self.app.config.url(path).to_string()
    }

    /// The site's shared inbox, where peers deliver.
    pub fn inbox(&self) -> Url {
        self.app.config.url("/inbox")
    }

    /// The inbox of the local actor `name`.
    pub fn inbox_of(&self, name: &str) -> Url {
        self.app.config.url(&format!("/@{name}/inbox"))
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = Request::builder().uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::empty()).expect("a valid request"))
            .await
    }

    /// Sends any request through the router, as if from [`CLIENT_ADDR`] (unless the request
    /// carries a `ConnectInfo` of its own).
    pub async fn send(&self, mut request: Request<Body>) -> Reply {
        if !request.headers().contains_key(header::HOST) {
            let host = HeaderValue::from_str(&self.app.config.domain()).expect("a valid host");
            request.headers_mut().insert(header::HOST, host);
        }
        if request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_none()
        {
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(CLIENT_ADDR)));
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router never fails");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("a readable body").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// Creates an account directly in storage, with the password [`TEST_PASSWORD`].
    pub async fn create_user(&self, name: &str, role: Role) -> User {
        insert_user(&self.app.db, name, role).await
    }

    pub async fn user(&self, name: &str) -> User {
        users::find_user_by_username(&self.app.db, name)
            .await
            .expect("storage works")
            .expect("the user exists")
    }

    /// Sets the author's own fediverse handle (for `fediverse:creator`).
    pub async fn set_fediverse_creator(&self, name: &str, handle: &str) {
        let user = self.user(name).await;
        let mut profile = profiles::current_profile(&user);
        profile.fediverse_creator = handle.to_owned();
        profiles::update_person(&self.app, &user, &profile)
            .await
            .expect("profile updated");
    }

    /// Publishes a Markdown file's text as `author` through the one write path the CLI uses;
    /// gives the post's URL, or the error message a person would see.
    pub async fn publish(&self, author: &str, markdown: &str) -> Result<Url, String> {
        let submission = Submission::from_markdown_file(markdown).map_err(|e| e.to_string())?;
        posts::publish_file(&self.app, author, submission)
            .await
            .map(|p| p.url)
            .map_err(|e| e.to_string())
    }

    /// Publishes a post with `title` and `body` as `author` (see [`post_md`]); gives its URL.
    pub async fn publish_post(&self, author: &str, title: &str, body: &str) -> Url {
        self.publish(author, &post_md(title, body))
            .await
            .unwrap_or_else(|e| panic!("{author} cannot publish {title:?}: {e}"))
    }

    pub async fn delete(&self, url: &str) -> Result<(), String> {
        posts::delete_by_url(&self.app, url)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Rows in `table`, for checking that a refused request wrote nothing.
    pub async fn count(&self, table: &str) -> i64 {
        count_rows(&self.app.db, table).await
    }
}

/// An active account named `name` with the password [`TEST_PASSWORD`], straight into storage.
async fn insert_user(db: &Db, name: &str, role: Role) -> User {
    let username = Username::parse(name).expect("a valid test username");
    let new = NewUser {
        status: users::AccountStatus::Active,
        username: &username,
        display_name: name,
        role,
        password_hash: TEST_PASSWORD_HASH,
        now: chorus::domain::time::now(),
    };
    users::insert_user(db, &new).await.expect("a new user")
}

/// The configuration of a test site: everything under the test's temporary folder.
pub fn test_config(db: &TestDb, base_url: &str) -> Config {
    Config {
        base_url: Url::parse(base_url).expect("a valid base URL"),
        database_url: db.url.clone(),
        data_dir: db.data_dir(),
        ..Config::default()
    }
}

/// `SELECT COUNT(*) FROM table`.
pub async fn count_rows(db: &Db, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match db {
        Db::Sqlite(p) => {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                .fetch_one(p)
                .await
        }
        Db::Postgres(p) => {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                .fetch_one(p)
                .await
        }
    }
    .expect("count rows")
}

/// A site served on a real socket at `http://localhost:<port>`, with the background task
/// `chorus serve` runs that follows changes made by other processes. Dereferences to its
/// [`TestApp`], so in-process requests and helpers work too. Private networks are allowed,
/// so that several test servers can fetch from and deliver to each other.
pub struct TestServer {
    pub site: TestApp,
    pub base_url: Url,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    pub async fn spawn(backend: Backend) -> TestServer {
        TestServer::spawn_with(backend, |_| {}).await
    }

    /// A server whose delivery workers run, as under `chorus serve`, until it is dropped.
    pub async fn with_workers(backend: Backend) -> TestServer {
        let mut server = TestServer::spawn(backend).await;
        let policy = chorus::queue::QueuePolicy::default();
        let workers = chorus::queue::spawn_workers_with(server.app.clone(), policy);
        server.tasks.push(workers);
        server
    }

    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestServer {
        // Bind first: the base URL must carry the real port.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let db = TestDb::new(backend).await;
        // A host name, as servers have: the ActivityPub crate fetches only from domain names.
        let mut config = test_config(&db, &format!("http://localhost:{}", addr.port()));
        config.bind = addr;
        config.allow_private_networks = true;
        adjust(&mut config);
        let base_url = config.base_url.clone();
        let site = TestApp::start(db, config).await;
        let service = site
            .router
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        let serve = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, service).await {
                eprintln!("test server stopped: {e}");
            }
        });
        let watch = tokio::spawn(site.app.clone().watch_content());
        TestServer {
            site,
            base_url,
            tasks: vec![serve, watch],
        }
    }
}

impl std::ops::Deref for TestServer {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.site
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(PATIENCE)
        .build()
        .expect("an HTTP client")
}

/// `GET url` with extra headers, read to the end.
pub async fn fetch(client: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = client.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = StatusCode::from_u16(response.status().as_u16()).expect("a valid status");
    let mut out = HeaderMap::new();
    for (name, value) in response.headers() {
        let name = HeaderName::from_bytes(name.as_str().as_bytes()).expect("a valid header name");
        out.append(
            name,
            HeaderValue::from_bytes(value.as_bytes()).expect("a valid header value"),
        );
    }
    let body = response
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: reading the body: {e}"));
    Reply {
        status,
        headers: out,
        body: Bytes::from(body.to_vec()),
    }
}

/// Runs the delivery queue until nothing is due: every queued activity is sent (or fails)
/// once, as the workers would.
pub async fn send_queued(app: &chorus::app::App) {
    let policy = chorus::queue::QueuePolicy::default();
    while chorus::queue::worker::run_batch(app, &policy)
        .await
        .expect("the queue runs")
        > 0
    {}
}

/// Polls `check` until it returns `Some`, panicking with `what` after [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {PATIENCE:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The real `chorus` executable in `dir` with a clean `CHORUS_*` environment: only `env`.
pub fn chorus_command(dir: &Path, env: &[(String, String)], args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chorus"));
    cmd.args(args).current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CHORUS_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs `cmd` to the end. `stdin` of `None` gives it an empty standard input.
pub fn run_to_end(mut cmd: Command, stdin: Option<&str>) -> Output {
    use std::io::Write;
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the chorus binary runs");
    {
        let mut pipe = child.stdin.take().expect("a piped stdin");
        if let Some(text) = stdin {
            // A command that refuses its arguments exits before reading its
            // input; the closed pipe is then no failure of the test.
            match pipe.write_all(text.as_bytes()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other.expect("write to stdin"),
            }
        }
    }
    let out = child.wait_with_output().expect("the command finishes");
    Output {
        success: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Panics with everything the command printed unless it succeeded.
    #[track_caller]
    pub fn ok(self) -> Output {
        assert!(
            self.success,
            "command failed ({:?})\nstdout: {}\nstderr: {}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Panics unless the command failed and its standard error mentions `needle`
    /// (case-insensitively).
    #[track_caller]
    pub fn fails_with(self, needle: &str) -> Output {
        assert!(
            !self.success,
            "command should have failed\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "the error should mention {needle:?}\nstderr: {}",
            self.stderr
        );
        self
    }
}

/// The real `chorus` executable, run in a temporary working folder with a fresh database
/// and a base URL on a free local port, so that `serve` and the other commands agree on URLs.
pub struct Binary {
    pub db: TestDb,
    pub base_url: String,
    env: Vec<(String, String)>,
}

impl Binary {
    pub async fn new(backend: Backend) -> Binary {
        let db = TestDb::new(backend).await;
        eprintln!("chorus binary on {backend:?}");
        let port = free_port();
        let base_url = format!("http://127.0.0.1:{port}");
        let env = vec![
            ("CHORUS_DATABASE_URL".to_owned(), db.url.clone()),
            ("CHORUS_BASE_URL".to_owned(), base_url.clone()),
            ("CHORUS_BIND".to_owned(), format!("127.0.0.1:{port}")),
            (
                "CHORUS_DATA_DIR".to_owned(),
                db.data_dir().display().to_string(),
            ),
        ];
        Binary { db, base_url, env }
    }

    /// The binary in an empty folder with no configuration at all except where to listen
    /// (so that tests do not fight over port 8080).
    pub async fn unconfigured() -> Binary {
        let db = TestDb::new(Backend::Sqlite).await;
        let port = free_port();
        let base_url = format!("http://127.0.0.1:{port}");
        let env = vec![
            ("CHORUS_BASE_URL".to_owned(), base_url.clone()),
            ("CHORUS_BIND".to_owned(), format!("127.0.0.1:{port}")),
        ];
        Binary { db, base_url, env }
    }

    /// The working folder of every command.
    pub fn dir(&self) -> &Path {
        self.db.dir.path()
    }

    /// Sets (or replaces) an environment variable for later commands.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    pub fn unset_env(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
    }

    /// A command with a clean `CHORUS_*` environment: only what this helper sets.
    pub fn command(&self, args: &[&str]) -> Command {
        chorus_command(self.dir(), &self.env, args)
    }

    /// Runs a command to the end. `stdin` of `None` gives it an empty standard input.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        run_to_end(self.command(args), stdin)
    }

    /// `chorus user create NAME --role ROLE` with the password on standard input.
    pub fn create_user(&self, name: &str, role: &str) -> Output {
        self.run(
            &["user", "create", name, "--role", role],
            Some(&format!("{TEST_PASSWORD}\n")),
        )
    }

    /// Creates an account straight in the database (migrating it first), with the password
    /// [`TEST_PASSWORD`]: quicker than `user create`, for tests about something else.
    pub async fn seed_user(&self, name: &str, role: Role) -> User {
        let db = self.db.connect().await;
        db.migrate().await.expect("migrations apply");
        let user = insert_user(&db, name, role).await;
        db.close().await;
        user
    }

    /// Rows in `table` of this binary's database.
    pub async fn count(&self, table: &str) -> i64 {
        let db = self.db.connect().await;
        let n = count_rows(&db, table).await;
        db.close().await;
        n
    }

    /// Writes a file into the working folder and gives its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir().join(name);
        std::fs::write(&path, contents).expect("write a test file");
        path
    }

    /// `chorus post publish --author AUTHOR FILE` for a file with `markdown` in it.
    pub fn publish(&self, author: &str, markdown: &str) -> Output {
        let path = self.write("post.md", markdown);
        self.run(
            &[
                "post",
                "publish",
                "--author",
                author,
                path.to_str().expect("a UTF-8 path"),
            ],
            None,
        )
    }

    /// Starts `chorus serve` and waits until `/healthz` answers 200.
    pub async fn serve(&self) -> RunningServer {
        let log = self
            .dir()
            .join(format!("serve-{}.log", uuid::Uuid::new_v4().simple()));
        let file = std::fs::File::create(&log).expect("a log file");
        let child = self
            .command(&["serve"])
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("a log file"))
            .stderr(file)
            .spawn()
            .expect("chorus serve starts");
        let mut server = RunningServer {
            child,
            base_url: self.base_url.clone(),
            log,
            client: http_client(),
        };
        server.wait_until_healthy().await;
        server
    }
}

/// A free TCP port on the loopback interface (free when asked; tests bind it soon after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `chorus serve` running as a child process; killed when dropped.
pub struct RunningServer {
    child: Child,
    pub base_url: String,
    pub client: reqwest::Client,
    log: PathBuf,
}

impl RunningServer {
    async fn wait_until_healthy(&mut self) {
        let url = format!("{}/healthz", self.base_url);
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("an HTTP client");
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "chorus serve exited with {status} before answering\n{}",
                    self.log()
                );
            }
            if let Ok(r) = client.get(&url).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chorus serve did not answer {url} within a minute\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        fetch(&self.client, &format!("{}{path}", self.base_url), headers).await
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Reading HTML.

/// The elements matching a CSS selector.
pub fn select<'a>(html: &'a scraper::Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    let sel = scraper::Selector::parse(selector)
        .unwrap_or_else(|e| panic!("bad selector {selector:?}: {e:?}"));
    html.select(&sel).collect()
}

/// The value of `attr` on the first element matching `selector`.
pub fn attr(html: &scraper::Html, selector: &str, attr: &str) -> Option<String> {
    select(html, selector)
        .first()
        .and_then(|e| e.value().attr(attr))
        .map(str::to_owned)
}

/// The text of the first element matching `selector`, whitespace collapsed.
pub fn text_of(html: &scraper::Html, selector: &str) -> Option<String> {
    select(html, selector).first().map(|e| {
        e.text()
            .collect::<Vec<_>>()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Everything that could make a browser run code or load something from elsewhere:
/// script elements, event-handler attributes, `javascript:` URLs, inline styles, frames,
/// objects, and forms that submit anywhere but a path on the same site. Empty for safe HTML.
pub fn dangers(html: &scraper::Html) -> Vec<String> {
    let mut found = Vec::new();
    for el in select(html, "*") {
        let v = el.value();
        // The site's own progressive scripts: a file of this site's, nothing inline.
        let own_script = v.name() == "script"
            && v.attr("src").is_some_and(|s| s.starts_with("/static/"))
            && el.text().all(|t| t.trim().is_empty());
        if !own_script
            && matches!(
                v.name(),
                "script" | "iframe" | "frame" | "object" | "embed" | "applet" | "base"
            )
        {
            found.push(format!("<{}> element", v.name()));
        }
        let same_site_form = v
            .attr("action")
            .is_some_and(|a| a.starts_with('/') && !a.starts_with("//"));
        if v.name() == "form" && !same_site_form {
            found.push("<form> submitting elsewhere".to_owned());
        }
        for (name, value) in v.attrs() {
            let lname = name.to_ascii_lowercase();
            if lname.starts_with("on") {
                found.push(format!("{lname}= on <{}>", v.name()));
            }
            if lname == "style" {
                found.push(format!("style= on <{}>", v.name()));
            }
            let squeezed: String = value
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect();
            if squeezed.to_ascii_lowercase().starts_with("javascript:")
                || squeezed.to_ascii_lowercase().starts_with("vbscript:")
            {
                found.push(format!("{lname}={value:?} on <{}>", v.name()));
            }
        }
    }
    found
}

/// Checks that nothing on a page runs code ([`dangers`]) or loads from another origin than
/// `base`'s ([`loaded_urls`]).
#[track_caller]
pub fn assert_self_contained(html: &scraper::Html, base: &Url, what: &str) {
    assert_eq!(dangers(html), Vec::<String>::new(), "{what}: unsafe markup");
    for loaded in loaded_urls(html, base) {
        assert_eq!(loaded.origin(), base.origin(), "{what}: loads {loaded}");
    }
}

/// Where a page would make the browser load something from (stylesheets, icons, images,
/// scripts, media, frames): every such URL, resolved against `base`.
pub fn loaded_urls(html: &scraper::Html, base: &Url) -> Vec<Url> {
    let mut urls = Vec::new();
    for (selector, attribute) in [
        ("link[href]", "href"),
        ("img[src]", "src"),
        ("img[srcset]", "srcset"),
        ("script[src]", "src"),
        ("iframe[src]", "src"),
        ("source[src]", "src"),
        ("video[src]", "src"),
        ("video[poster]", "poster"),
        ("audio[src]", "src"),
        ("object[data]", "data"),
        ("embed[src]", "src"),
    ] {
        for el in select(html, selector) {
            let value = el.value().attr(attribute).unwrap_or("");
            for candidate in value
                .split(',')
                .map(|c| c.split_whitespace().next().unwrap_or(""))
            {
                if let Ok(url) = base.join(candidate) {
                    urls.push(url);
                }
            }
        }
    }
    urls
}

/// Makes `follower`, an account on `social.example` whose inbox is never contacted, follow the
/// local author `followed`, so that what the author publishes is queued for delivery there.
pub async fn add_remote_follower(site: &TestApp, followed: &str, follower: &str) {
    let user = site.user(followed).await;
    let local = chorus::federation::keys::person_actor(&site.app, user.id)
        .await
        .expect("the author's actor");
    add_remote_follower_of(site, &local, follower).await;
}

/// Like [`add_remote_follower`], for any local actor (the community, say).
pub async fn add_remote_follower_of(
    site: &TestApp,
    local: &chorus::storage::actors::LocalActor,
    follower: &str,
) {
    let uri = format!("https://social.example/users/{follower}");
    let data = RemoteActorData {
        uri: uri.clone(),
        kind: "Person".into(),
        username: follower.into(),
        domain: "social.example".into(),
        display_name: follower.into(),
        url: Some(format!("https://social.example/@{follower}")),
        icon_url: None,
        inbox: format!("{uri}/inbox"),
        shared_inbox: Some("https://social.example/inbox".into()),
        key_id: format!("{uri}#main-key"),
        public_key_pem: String::new(),
    };
    let now = chorus::domain::time::now();
    let remote = upsert_remote_actor(&site.app.db, &data, now)
        .await
        .expect("the follower is stored");
    follows::add_follower(
        &site.app.db,
        local.id,
        remote.id,
        &format!("{uri}/follows/1"),
        now,
    )
    .await
    .expect("the follow is stored");
}

/// `s` as a URL, which it must be.
pub fn url(s: &str) -> Url {
    Url::parse(s).expect("a URL")
}

/// The markdown of a post with `title` and some body text.
pub fn post_md(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\n---\n{body}\n")
}
