//! `chorus token`: bearer tokens for Micropub clients and scripts, made without a browser.

use anyhow::Context;
use clap::Subcommand;

use crate::actions::tokens;
use crate::app::App;
use crate::domain::scope::Scopes;
use crate::storage::users;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Print a new bearer token for an account on standard output, once (only its hash is
    /// kept). It lasts until it is revoked on the account page.
    Create {
        /// The account the token acts as.
        #[arg(long, value_name = "USERNAME")]
        user: String,
        /// Comma- or space-separated: profile, create, draft, update, delete, undelete, media.
        #[arg(long, value_name = "SCOPES")]
        scope: String,
        /// What the account page calls the token.
        #[arg(long, value_name = "NAME", default_value = tokens::COMMAND_LINE_CLIENT)]
        name: String,
    },
}

pub async fn run(app: App, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create { user, scope, name } => {
            let scopes = Scopes::parse_strict(&scope)?;
            let user = users::find_user_by_username(&app.db, &user)
                .await?
                .with_context(|| format!("no user named {user:?}"))?;
            let token = tokens::issue(
                &app,
                &user,
                tokens::COMMAND_LINE_CLIENT,
                &name,
                &scopes,
                None,
            )
            .await?;
            println!("{token}");
        }
    }
    Ok(())
}
