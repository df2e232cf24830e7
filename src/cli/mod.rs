//! The command line: `serve`, `migrate`, and the commands scripts use (users, posts, site).

mod port;

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::actions::posts::{self, Outcome};
use crate::actions::{accounts, community, profiles};
use crate::app::App;
use crate::config::Config;
use crate::domain::post::MAX_MARKDOWN_BYTES;
use crate::domain::{Role, Submission, time};
use crate::storage::users;

mod doctor;
mod healthcheck;
mod images;
mod moving;
mod peer_view;
mod sync;
mod token;

#[derive(Parser)]
#[command(
    name = "chorus",
    version,
    about = "A self-hosted ActivityPub publishing server for communities of writers"
)]
pub struct Cli {
    /// Configuration file (default: ./chorus.toml when present). Also CHORUS_CONFIG.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (applies migrations first).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Publish and delete posts.
    #[command(subcommand)]
    Post(PostCommand),
    /// Site title, description and language.
    #[command(subcommand)]
    Site(SiteCommand),
    /// What the community amplifies from elsewhere on the fediverse.
    #[command(subcommand)]
    Community(CommunityCommand),
    /// Follow a fediverse account (an actor URL or @user@host) as a local author or the community.
    Follow {
        /// The local username, or the community's name.
        #[arg(long = "as", value_name = "USERNAME")]
        local: String,
        target: String,
    },
    /// Stop following a fediverse account.
    Unfollow {
        #[arg(long = "as", value_name = "USERNAME")]
        local: String,
        target: String,
    },
    /// Bearer tokens for Micropub clients and scripts.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Import posts from WordPress, Ghost, WriteFreely or a folder of Markdown; prints
    /// `imported N, skipped M` at the end.
    #[command(subcommand)]
    Import(port::ImportCommand),
    /// Write the site's posts (Markdown with front matter, one folder per author), images,
    /// comments, reactions, followers and an ActivityPub archive under PATH: a new or empty
    /// folder, or a `.zip` file. `chorus import markdown` reads it back.
    Export {
        /// A new or empty folder, or a file name ending in `.zip`.
        path: PathBuf,
    },
    /// Exit 0 when the server answers GET /healthz with 200, non-zero (with the reason)
    /// otherwise: asks the `bind` address (0.0.0.0 and :: mean this host's loopback), then
    /// `base_url` when nothing listens there. For container healthchecks.
    Healthcheck {
        /// Ask this URL's /healthz instead.
        #[arg(long, value_name = "URL")]
        url: Option<url::Url>,
    },
    /// Check the configuration, the database and its migrations, the media folder, the
    /// running server as other servers see it (/healthz, WebFinger, the actor, NodeInfo) and
    /// the delivery queue: one line per check (ok, warn, FAIL), non-zero exit when any fails.
    /// Changes nothing.
    Doctor,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input (one line; typed at a
    /// terminal, it is not echoed).
    Create {
        /// Lowercase letters, digits and underscores, 1-30 characters.
        username: String,
        /// admin, editor, author or contributor.
        #[arg(long)]
        role: Role,
        /// The name shown on pages (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Change an account's profile or role.
    Update {
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Profile text, in Markdown.
        #[arg(long)]
        bio: Option<String>,
        /// The author's own fediverse handle (@name@server) for `fediverse:creator`; "" clears it.
        #[arg(long)]
        fediverse_creator: Option<String>,
        #[arg(long)]
        role: Option<Role>,
    },
    /// Set a new password for an account, read from standard input like `create`'s; the
    /// account's sessions end.
    Password { username: String },
    /// List accounts.
    List,
    /// Name an account elsewhere (an actor URL or @name@server) as also this author's
    /// (`alsoKnownAs`), so that it can move its followers here; `--remove` takes it back.
    Alias {
        username: String,
        account: String,
        #[arg(long)]
        remove: bool,
    },
    /// Move this author's followers to another account, which must already name this author
    /// among its aliases: sets `movedTo` and sends `Move` to every follower.
    Move {
        username: String,
        /// The new account: an actor URL or @name@server.
        #[arg(long, value_name = "ACCOUNT")]
        to: String,
    },
}

#[derive(Subcommand)]
enum PostCommand {
    /// Publish a Markdown file (front matter: title, slug, tags, summary, draft, published);
    /// prints the post's URL. Publishing the same slug again updates the post. Images named
    /// by a path relative to the file (`![alt](img/x.png)`) are uploaded and linked; an
    /// unchanged image is not uploaded again.
    Publish {
        /// The username of the author.
        #[arg(long)]
        author: String,
        file: PathBuf,
    },
    /// Delete a post by its URL; the URL then answers 410 Gone.
    Delete { url: String },
}

#[derive(Subcommand)]
enum CommunityCommand {
    /// Boost a public post from another server: it shows on the community page and the
    /// community's followers receive an Announce.
    Amplify { url: String },
    /// Take an amplification back (Undo of the Announce).
    Unamplify { url: String },
}

#[derive(Subcommand)]
enum SiteCommand {
    /// Set the site's title, description or language (a BCP 47 tag such as `en` or `de`).
    Set {
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        language: Option<String>,
    },
}

/// Parses arguments and runs the command; errors are printed as one clear line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init(matches!(cli.command, Command::Serve));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Doctor = cli.command {
        return doctor::run(cli.config.as_deref()).await;
    }
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => crate::server::serve(config).await,
        Command::Migrate => {
            let app = App::start(config).await?;
            crate::server::rendered_again(&app).await?;
            println!("migrations applied ({})", app.db.backend());
            Ok(())
        }
        Command::User(cmd) => sync::served(App::start(config).await?, |a| user(a, cmd)).await,
        Command::Post(cmd) => sync::served(App::start(config).await?, |a| post(a, cmd)).await,
        Command::Site(cmd) => sync::served(App::start(config).await?, |a| site_cmd(a, cmd)).await,
        Command::Community(cmd) => {
            sync::served(App::start(config).await?, |a| community(a, cmd)).await
        }
        Command::Follow { local, target } => {
            let app = App::start(config).await?;
            sync::served(
                app,
                |a| async move { follow(a, &local, &target, true).await },
            )
            .await
        }
        Command::Unfollow { local, target } => {
            let app = App::start(config).await?;
            sync::served(
                app,
                |a| async move { follow(a, &local, &target, false).await },
            )
            .await
        }
        Command::Import(cmd) => {
            sync::served(App::start(config).await?, |a| port::import(a, cmd)).await
        }
        Command::Token(cmd) => token::run(App::start(config).await?, cmd).await,
        Command::Export { path } => port::export(App::start(config).await?, &path).await,
        Command::Healthcheck { url } => healthcheck::run(&config, url).await,
        Command::Doctor => doctor::run(cli.config.as_deref()).await,
    }
}

async fn user(app: App, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Create {
            username,
            role,
            display_name,
        } => {
            let password = read_password()?;
            let user =
                accounts::create_user(&app, &username, role, display_name.as_deref(), &password)
                    .await?;
            println!(
                "created {} ({}) {}",
                user.username,
                user.role,
                app.config
                    .url(&crate::urls::author_path(user.username.as_str()))
            );
        }
        UserCommand::Update {
            username,
            display_name,
            bio,
            fediverse_creator,
            role,
        } => {
            let user = users::find_user_by_username(&app.db, &username)
                .await?
                .with_context(|| format!("no user named {username:?}"))?;
            let mut profile = profiles::current_profile(&user);
            if let Some(name) = display_name {
                profile.display_name = name;
            }
            if let Some(bio) = bio {
                profile.bio = bio;
            }
            if let Some(handle) = fediverse_creator {
                profile.fediverse_creator = handle;
            }
            let mut updated = profiles::update_person(&app, &user, &profile).await?;
            if let Some(role) = role.filter(|r| *r != updated.role) {
                accounts::set_role(&app, None, &updated, role).await?;
                updated.role = role;
            }
            println!("updated {}", updated.username);
        }
        UserCommand::Password { username } => {
            let user = users::find_user_by_username(&app.db, &username)
                .await?
                .with_context(|| format!("no user named {username:?}"))?;
            let password = read_password()?;
            accounts::set_password(&app, &user, &password).await?;
            println!("set a new password for {}", user.username);
        }
        UserCommand::Alias {
            username,
            account,
            remove,
        } => moving::alias(&app, &username, &account, remove).await?,
        UserCommand::Move { username, to } => moving::move_to(&app, &username, &to).await?,
        UserCommand::List => {
            for u in users::list_users(&app.db).await? {
                println!("{}\t{}\t{}", u.username, u.role, u.display_name);
            }
        }
    }
    Ok(())
}

/// One line from standard input, without its line ending. At a terminal the prompt goes to
/// standard error and what is typed is not echoed.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let mut line = String::new();
    if stdin.is_terminal() {
        eprint!("password: ");
        let _quiet = NoEcho::new(&stdin);
        stdin
            .lock()
            .read_line(&mut line)
            .context("could not read the password from the terminal")?;
        // The Enter typed was not echoed either.
        eprintln!();
    } else {
        stdin
            .lock()
            .read_line(&mut line)
            .context("could not read the password from standard input")?;
    }
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!(
            "no password on standard input: type one, or pipe one line, e.g. `echo \"$PASSWORD\" | chorus user create ...`"
        );
    }
    Ok(password)
}

/// Turns the terminal's echo off while it lives, and back on when dropped.
struct NoEcho<'a> {
    stdin: &'a std::io::Stdin,
    saved: Option<rustix::termios::Termios>,
}

impl<'a> NoEcho<'a> {
    fn new(stdin: &'a std::io::Stdin) -> NoEcho<'a> {
        use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
        let saved = tcgetattr(stdin).ok();
        if let Some(saved) = &saved {
            let mut quiet = saved.clone();
            quiet.local_modes.remove(LocalModes::ECHO);
            let _ = tcsetattr(stdin, OptionalActions::Now, &quiet);
        }
        NoEcho { stdin, saved }
    }
}

impl Drop for NoEcho<'_> {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            let _ = rustix::termios::tcsetattr(
                self.stdin,
                rustix::termios::OptionalActions::Now,
                saved,
            );
        }
    }
}

async fn post(app: App, cmd: PostCommand) -> anyhow::Result<()> {
    match cmd {
        PostCommand::Publish { author, file } => {
            let text = read_markdown(&file)?;
            let mut submission = Submission::from_markdown_file(&text)
                .with_context(|| format!("{}", file.display()))?;
            images::upload(&app, &author, &file, &mut submission).await?;
            let published = posts::publish_file(&app, &author, submission).await?;
            let note = match (published.outcome, published.post.status) {
                (Outcome::Unchanged, _) => "unchanged".to_owned(),
                (_, crate::domain::PostStatus::Draft) => "saved as a draft (not public)".to_owned(),
                (_, crate::domain::PostStatus::Scheduled) => format!(
                    "scheduled for {}",
                    published
                        .post
                        .published_at
                        .map(|t| time::iso(&t))
                        .unwrap_or_default()
                ),
                (Outcome::Created, _) => "published".to_owned(),
                (Outcome::Updated, _) => "updated".to_owned(),
            };
            eprintln!("{note}: {}", published.post.title);
            for warning in &published.warnings {
                eprintln!("warning: {warning}");
            }
            println!("{}", published.url);
        }
        PostCommand::Delete { url } => {
            let post = posts::delete_by_url(&app, &url).await?;
            eprintln!("deleted: {}", post.title);
        }
    }
    Ok(())
}

fn read_markdown(file: &Path) -> anyhow::Result<String> {
    let meta =
        std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if !meta.is_file() {
        bail!("{} is not a file", file.display());
    }
    if meta.len() > MAX_MARKDOWN_BYTES as u64 {
        bail!(
            "{} is {} bytes; the limit is {} bytes (1 MiB)",
            file.display(),
            meta.len(),
            MAX_MARKDOWN_BYTES
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", file.display()))
}

async fn site_cmd(app: App, cmd: SiteCommand) -> anyhow::Result<()> {
    let SiteCommand::Set {
        title,
        description,
        language,
    } = cmd;
    let mut settings = profiles::current_settings(&app).await?;
    if let Some(title) = title {
        settings.title = title;
    }
    if let Some(description) = description {
        settings.description = description;
    }
    if let Some(language) = language {
        settings.language = language;
    }
    profiles::update_site(&app, &settings).await?;
    println!(
        "site: {} ({})",
        settings.title.trim(),
        settings.language.trim()
    );
    Ok(())
}

async fn community(app: App, cmd: CommunityCommand) -> anyhow::Result<()> {
    match cmd {
        CommunityCommand::Amplify { url } => {
            let a = community::amplify(&app, &url).await?;
            println!(
                "amplified: {} by {}",
                a.object_url.as_deref().unwrap_or(&a.object_uri),
                a.author.handle()
            );
        }
        CommunityCommand::Unamplify { url } => {
            if !community::unamplify(&app, &url).await? {
                bail!("{url} is not amplified");
            }
            println!("no longer amplified: {url}");
        }
    }
    Ok(())
}

async fn follow(app: App, local: &str, target: &str, follow: bool) -> anyhow::Result<()> {
    let (local, remote) = community::follow(&app, local, target, follow).await?;
    if follow {
        println!("follow requested: {local} → {remote}");
    } else {
        println!("unfollowed: {local} → {remote}");
    }
    Ok(())
}
