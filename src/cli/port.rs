//! `chorus import` and `chorus export`: posts in from other blogging software or a folder of
//! Markdown, and everything out as files.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::actions::export::{self, ExportFile};
use crate::actions::import::{Done, Importer, Incoming, Options, markdown};
use crate::app::App;
use crate::domain::import::{self as formats, MalformedFile, Parsed};

/// Largest export file read, in bytes.
const MAX_EXPORT_FILE_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// A WordPress export (WXR 1.2, from Tools → Export): posts of type `post`, with their
    /// categories and tags as tags, excerpts as summaries, drafts as drafts.
    Wordpress {
        /// The `.xml` file WordPress wrote.
        file: PathBuf,
        #[command(flatten)]
        options: ImportOptions,
    },
    /// A Ghost export (JSON, from Settings → Labs → Export): posts with their tags and
    /// authors; pages and internal `#tags` are left out.
    Ghost {
        /// The `.json` file Ghost wrote.
        file: PathBuf,
        #[command(flatten)]
        options: ImportOptions,
    },
    /// A WriteFreely account export (JSON): the posts of every blog, and those outside one.
    Writefreely {
        /// The `.json` file WriteFreely wrote.
        file: PathBuf,
        #[command(flatten)]
        options: ImportOptions,
    },
    /// A folder of Markdown files with front matter, such as `chorus export` writes (also as
    /// its `.zip` file): the folder each file is in names its author; an export's images come
    /// along.
    Markdown {
        /// The folder (or `.zip` file); every `.md` file in it is a post.
        dir: PathBuf,
        #[command(flatten)]
        options: ImportOptions,
    },
}

/// Every post goes through the same checks as `chorus post publish`; original publication
/// dates are kept; addresses the posts had on the old site answer with a redirect (301) to
/// their new one. A post that is here already, the same, is skipped, so a second run changes
/// nothing; an item that cannot be imported is named with where it is, and skipped.
#[derive(Args)]
pub struct ImportOptions {
    /// Give every post to this existing account. Without it each post goes to the account
    /// named after its author there, created with the role `author` when missing (without a
    /// password: set one with `chorus user password`).
    #[arg(long, value_name = "USERNAME")]
    author: Option<String>,
    /// Check everything and report what would be imported; write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn import(app: App, cmd: ImportCommand) -> anyhow::Result<()> {
    let mut unpacked: Option<Unpacked> = None;
    let (items, ignored, options, dir) = match cmd {
        ImportCommand::Wordpress { file, options } => {
            let (items, ignored) = parse_file(&file, formats::wxr::parse)?;
            (items, ignored, options, None)
        }
        ImportCommand::Ghost { file, options } => {
            let (items, ignored) = parse_file(&file, formats::ghost::parse)?;
            (items, ignored, options, None)
        }
        ImportCommand::Writefreely { file, options } => {
            let (items, ignored) = parse_file(&file, formats::writefreely::parse)?;
            (items, ignored, options, None)
        }
        ImportCommand::Markdown { dir, options } => {
            let dir = if is_zip(&dir) {
                let zip = Unpacked::new(&dir)?;
                let inside = zip.path().to_owned();
                unpacked = Some(zip);
                inside
            } else {
                dir
            };
            let items = markdown::read_dir(&dir)
                .with_context(|| format!("cannot read the folder {}", dir.display()))?;
            (items, 0, options, Some(dir))
        }
    };
    let result = run_import(&app, items, ignored, options, dir.as_deref()).await;
    drop(unpacked);
    result
}

fn is_zip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// An export's zip file unpacked into a temporary folder, removed when dropped.
struct Unpacked(PathBuf);

impl Unpacked {
    fn new(zip_path: &Path) -> anyhow::Result<Unpacked> {
        let file = std::fs::File::open(zip_path)
            .with_context(|| format!("cannot read {}", zip_path.display()))?;
        let mut archive = zip::ZipArchive::new(file)
            .with_context(|| format!("{} is not a readable zip file", zip_path.display()))?;
        let dir =
            std::env::temp_dir().join(format!("chorus-import-{}", uuid::Uuid::new_v4().simple()));
        let unpacked = Unpacked(dir.clone());
        archive
            .extract(&dir)
            .with_context(|| format!("cannot unpack {}", zip_path.display()))?;
        Ok(unpacked)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Unpacked {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn run_import(
    app: &App,
    items: Vec<Incoming>,
    ignored: usize,
    options: ImportOptions,
    dir: Option<&Path>,
) -> anyhow::Result<()> {
    let options = Options {
        author: options.author,
        dry_run: options.dry_run,
    };
    let mut importer = Importer::new(app, options.clone()).await?;
    let bar = progress(items.len());
    let (mut imported, mut skipped) = (0usize, 0usize);
    for item in items {
        let location = item.location.clone();
        bar.set_message(location.clone());
        let remote = item.submission.as_ref().map_or_else(
            |_| Vec::new(),
            |s| formats::remote_images(&s.body, &app.config.base_url),
        );
        match importer.import(item).await {
            Ok(Done::Imported { url, updated }) => {
                imported += 1;
                let verb = match (options.dry_run, updated) {
                    (true, false) => "would import",
                    (true, true) => "would update",
                    (false, false) => "imported",
                    (false, true) => "updated",
                };
                bar.suspend(|| {
                    eprintln!("{verb}: {location} → {url}");
                    for src in &remote {
                        eprintln!(
                            "  image not copied (it shows as a link; upload it and edit the post to keep it): {src}"
                        );
                    }
                });
            }
            Ok(Done::Unchanged { url }) => {
                skipped += 1;
                bar.suspend(|| eprintln!("unchanged: {location} ({url})"));
            }
            Err(reason) => {
                skipped += 1;
                bar.suspend(|| eprintln!("skipped {location}: {reason}"));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if let Some(dir) = dir {
        let media = markdown::import_media(app, dir, options.author.as_deref(), options.dry_run)
            .await
            .map_err(anyhow::Error::msg)?;
        for (location, reason) in &media.skipped {
            eprintln!("skipped {location}: {reason}");
        }
        if media.copied + media.present + media.skipped.len() > 0 {
            eprintln!(
                "images: {} {}, {} here already, {} skipped",
                media.copied,
                if options.dry_run { "to copy" } else { "copied" },
                media.present,
                media.skipped.len()
            );
        }
    }
    for name in &importer.created_authors {
        let verb = if options.dry_run {
            "would create"
        } else {
            "created"
        };
        eprintln!(
            "{verb} the author {name} (no password yet: `chorus user password {name}` sets one)"
        );
    }
    if ignored > 0 {
        eprintln!("left out {ignored} items that are not posts (pages, attachments, menus)");
    }
    let dry = if options.dry_run {
        " (dry run: nothing was written)"
    } else {
        ""
    };
    println!("imported {imported}, skipped {skipped}{dry}");
    Ok(())
}

/// Reads an export file and parses it, or says why it cannot be read.
fn parse_file(
    file: &Path,
    parse: fn(&str, &str) -> Result<Parsed, MalformedFile>,
) -> anyhow::Result<(Vec<Incoming>, usize)> {
    let meta =
        std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if !meta.is_file() {
        bail!("{} is not a file", file.display());
    }
    if meta.len() > MAX_EXPORT_FILE_BYTES {
        bail!("{} is larger than 512 MiB", file.display());
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{} is not UTF-8 text", file.display()))?;
    let parsed = parse(&file.display().to_string(), &text)?;
    let items = parsed
        .posts
        .into_iter()
        .map(|item| match item {
            Ok(post) => Incoming::from_imported(post),
            Err(bad) => Incoming {
                location: bad.location,
                author: None,
                submission: Err(bad.reason),
                old_paths: Vec::new(),
            },
        })
        .collect();
    Ok((items, parsed.ignored))
}

/// A progress bar on standard error when it is a terminal; hidden otherwise.
fn progress(len: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}") {
        bar.set_style(style);
    }
    bar
}

/// Writes the whole site under `path`: a folder (new or empty), or a `.zip` file.
pub async fn export(app: App, path: &Path) -> anyhow::Result<()> {
    let zip = is_zip(path);
    if zip && path.exists() {
        bail!("{} already exists; choose a new file name", path.display());
    }
    if !zip
        && path.exists()
        && std::fs::read_dir(path)
            .with_context(|| format!("{} is not a folder", path.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} is not empty; choose a new or empty folder",
            path.display()
        );
    }
    let files = export::export(&app).await?;
    let bar = progress(files.len());
    let count = files.len();
    if zip {
        write_zip(&app, path, files, &bar).await?;
    } else {
        write_folder(&app, path, files, &bar).await?;
    }
    bar.finish_and_clear();
    println!("exported {count} files to {}", path.display());
    Ok(())
}

async fn write_folder(
    app: &App,
    root: &Path,
    files: Vec<ExportFile>,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    for file in files {
        let target = root.join(&file.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let bytes = export::bytes(app, &file.content).await?;
        std::fs::write(&target, bytes)
            .with_context(|| format!("cannot write {}", target.display()))?;
        bar.inc(1);
    }
    Ok(())
}

/// Writes the zip next to `path` and renames it into place once complete.
async fn write_zip(
    app: &App,
    path: &Path,
    files: Vec<ExportFile>,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    let partial = path.with_extension("zip.part");
    let result = async {
        let out = std::fs::File::create(&partial)
            .with_context(|| format!("cannot create {}", partial.display()))?;
        export::write_zip(app, &files, out, || bar.inc(1)).await?;
        std::fs::rename(&partial, path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}
