//! The command line: `serve`, `migrate`, and the commands scripts use (users, posts, site).

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::app::App;
use crate::config::Config;
use crate::domain::post::MAX_MARKDOWN_BYTES;
use crate::domain::{Role, Submission, time};
use crate::publishing::{self, Outcome};
use crate::storage::{site, users};

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
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input (one line).
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
    /// List accounts.
    List,
}

#[derive(Subcommand)]
enum PostCommand {
    /// Publish a Markdown file (front matter: title, slug, tags, summary, draft, published);
    /// prints the post's URL. Publishing the same slug again updates the post.
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
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => crate::server::serve(config).await,
        Command::Migrate => {
            let app = App::start(config).await?;
            println!("migrations applied ({})", app.db.backend());
            Ok(())
        }
        Command::User(cmd) => user(App::start(config).await?, cmd).await,
        Command::Post(cmd) => post(App::start(config).await?, cmd).await,
        Command::Site(cmd) => site_cmd(App::start(config).await?, cmd).await,
        Command::Community(cmd) => community(App::start(config).await?, cmd).await,
        Command::Follow { local, target } => {
            follow(App::start(config).await?, &local, &target, true).await
        }
        Command::Unfollow { local, target } => {
            follow(App::start(config).await?, &local, &target, false).await
        }
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
                publishing::create_user(&app, &username, role, display_name.as_deref(), &password)
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
            let creator = match fediverse_creator.as_deref().map(str::trim) {
                Some("") => None,
                Some(h) => Some(crate::domain::username::parse_fediverse_handle(h)?),
                None => user.fediverse_creator.clone(),
            };
            let display_name = display_name.unwrap_or(user.display_name.clone());
            if display_name.trim().is_empty() || display_name.chars().count() > 100 {
                bail!("the display name must have 1-100 characters");
            }
            let update = users::ProfileUpdate {
                display_name: display_name.trim(),
                bio: bio.as_deref().unwrap_or(&user.bio),
                fediverse_creator: creator.as_deref(),
                role: role.unwrap_or(user.role),
                now: time::now(),
            };
            let updated = users::update_user_profile(&app.db, user.id, &update).await?;
            if let Err(e) = crate::federation::outbox::profile_updated(&app, &updated).await {
                eprintln!("warning: the profile change was saved but not sent to followers: {e:#}");
            }
            println!("updated {}", updated.username);
        }
        UserCommand::List => {
            for u in users::list_users(&app.db).await? {
                println!("{}\t{}\t{}", u.username, u.role, u.display_name);
            }
        }
    }
    Ok(())
}

/// One line from standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("could not read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!(
            "no password on standard input: pipe one line, e.g. `echo \"$PASSWORD\" | chorus user create ...`"
        );
    }
    Ok(password)
}

async fn post(app: App, cmd: PostCommand) -> anyhow::Result<()> {
    match cmd {
        PostCommand::Publish { author, file } => {
            let text = read_markdown(&file)?;
            let submission = Submission::from_markdown_file(&text)
                .with_context(|| format!("{}", file.display()))?;
            let user = users::find_user_by_username(&app.db, &author)
                .await?
                .ok_or_else(|| publishing::PublishError::UnknownAuthor(author.clone()))?;
            let published = publishing::publish(&app, &user, submission).await?;
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
            let post = publishing::delete_by_url(&app, &url).await?;
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
    let current = site::get_site(&app.db).await?;
    let title = title.unwrap_or(current.title);
    let description = description.unwrap_or(current.description);
    let language = language.unwrap_or(current.language);
    if title.trim().is_empty() || title.chars().count() > 100 {
        bail!("the site title must have 1-100 characters");
    }
    if description.chars().count() > 500 {
        bail!("the site description must have at most 500 characters");
    }
    let valid_lang = !language.is_empty()
        && language.len() <= 35
        && language
            .split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !valid_lang {
        bail!("the language must be a BCP 47 tag such as `en` or `pt-BR`");
    }
    let s = site::update_site(&app.db, title.trim(), description.trim(), &language).await?;
    println!("site: {} ({})", s.title, s.language);
    Ok(())
}

async fn community(app: App, cmd: CommunityCommand) -> anyhow::Result<()> {
    match cmd {
        CommunityCommand::Amplify { url } => {
            let a = crate::federation::amplify::amplify(&app, &url).await?;
            println!(
                "amplified: {} by {}",
                a.object_url.as_deref().unwrap_or(&a.object_uri),
                a.author.handle()
            );
        }
        CommunityCommand::Unamplify { url } => {
            if !crate::federation::amplify::unamplify(&app, &url).await? {
                bail!("{url} is not amplified");
            }
            println!("no longer amplified: {url}");
        }
    }
    Ok(())
}

async fn follow(app: App, local: &str, target: &str, follow: bool) -> anyhow::Result<()> {
    use crate::federation::{local_target, outbox, remote};
    use crate::urls;
    let local_url = urls::person(
        &app.config,
        &local.trim_start_matches('@').to_ascii_lowercase(),
    );
    let actor = local_target(&app, local_url.as_str())
        .await?
        .with_context(|| format!("no local user or community named {local:?}"))?;
    let target_url = if target.starts_with("http://") || target.starts_with("https://") {
        url::Url::parse(target).with_context(|| format!("{target:?} is not a URL"))?
    } else {
        remote::resolve_handle(&app, target).await?
    };
    let remote_actor = remote::fetch_actor(&app, &target_url)
        .await
        .with_context(|| format!("cannot fetch {target_url}"))?;
    if follow {
        outbox::follow(&app, &actor, &remote_actor).await?;
        println!("follow requested: {} → {}", local_url, remote_actor.uri);
    } else if outbox::unfollow(&app, &actor, &remote_actor).await? {
        println!("unfollowed: {} → {}", local_url, remote_actor.uri);
    } else {
        bail!("{local_url} does not follow {}", remote_actor.uri);
    }
    Ok(())
}
