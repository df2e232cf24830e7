//! One's own profile (`/account/profile`) and followers (`/account/followers`): editing what
//! the author page and the actor document show, and removing followers.

use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use bytes::Bytes;
use serde::Deserialize;

use crate::actions::{community, profiles};
use crate::app::App;
use crate::domain::links::first_http_url;
use crate::domain::profile::{MAX_FIELDS, ProfileInput};
use crate::domain::time;
use crate::error::AppError;
use crate::federation::keys;
use crate::media::{self, Media, MediaError};
use crate::storage::users::{ProfileImage, User};
use crate::storage::{follows, site};
use crate::templates::accounts::{ConfirmPage, FollowerView, FollowersPage, ProfilePage};
use crate::templates::{ImageView, Pager, UiLayout};
use crate::urls::author_path;
use crate::web::auth::Viewer;
use crate::web::auth::account::ui_viewer;
use crate::web::auth::login::CsrfForm;

/// A picture upload form: one image and its description.
pub const PICTURE_FORM_MAX_BYTES: usize = media::MAX_UPLOAD_BYTES + 64 * 1024;
/// Width of the avatar shown on pages (the smallest stored variant at least this wide).
pub const AVATAR_WIDTH: u32 = 480;

/// Followers listed per page.
pub const FOLLOWERS_PER_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /account/profile`
pub async fn profile_page(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("saved") => Some("Your profile was saved and sent to your followers."),
        Some("image") => Some("Your picture was saved and sent to your followers."),
        Some("removed") => Some("The picture was removed and your followers were told."),
        _ => None,
    };
    let form = profiles::current_profile(&viewer.user);
    render(&app, &viewer, StatusCode::OK, &form, notice, None).await
}

async fn render(
    app: &App,
    viewer: &Viewer,
    status: StatusCode,
    form: &ProfileInput,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let mut ui = UiLayout::new(&site, "Your profile", Some(ui_viewer(viewer)));
    ui.notices.extend(notice.map(str::to_owned));
    let mut fields = form.fields.clone();
    fields.resize(MAX_FIELDS.max(fields.len()), (String::new(), String::new()));
    let (avatar, header) = picture_views(app, &viewer.user).await?;
    let page = ProfilePage {
        ui,
        csrf: viewer.session.csrf_token.clone(),
        handle: format!("@{}@{}", viewer.user.username, app.config.domain()),
        profile_url: app
            .config
            .url(&author_path(viewer.user.username.as_str()))
            .to_string(),
        domain: app.config.domain(),
        display_name: form.display_name.clone(),
        bio: form.bio.clone(),
        fediverse_creator: form.fediverse_creator.clone(),
        fields,
        avatar,
        header,
        accept: media::ACCEPT,
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// A picture as a page shows it: the variant at least `width` wide, with its size.
pub fn image_view(m: &Media, width: u32) -> ImageView {
    let shown = media::pick_width(m, width);
    let height = (u64::from(m.height) * u64::from(shown))
        .checked_div(u64::from(m.width))
        .unwrap_or(0);
    ImageView {
        url: media::path(m, width),
        alt: m.alt.clone(),
        width: shown,
        height: u32::try_from(height).unwrap_or(u32::MAX),
    }
}

/// A user's avatar and header, ready for a page.
pub async fn picture_views(
    app: &App,
    user: &User,
) -> Result<(Option<ImageView>, Option<ImageView>), AppError> {
    let pictures = crate::federation::objects::actor::Pictures::load(
        app,
        user.avatar_media_id,
        user.header_media_id,
    )
    .await?;
    Ok((
        pictures.icon.as_ref().map(|m| image_view(m, AVATAR_WIDTH)),
        pictures.image.as_ref().map(|m| image_view(m, u32::MAX)),
    ))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    fediverse_creator: String,
    #[serde(default)]
    field1_name: String,
    #[serde(default)]
    field1_value: String,
    #[serde(default)]
    field2_name: String,
    #[serde(default)]
    field2_value: String,
    #[serde(default)]
    field3_name: String,
    #[serde(default)]
    field3_value: String,
    #[serde(default)]
    field4_name: String,
    #[serde(default)]
    field4_value: String,
}

impl ProfileForm {
    fn input(self) -> ProfileInput {
        ProfileInput {
            display_name: self.display_name,
            bio: self.bio,
            fediverse_creator: self.fediverse_creator,
            fields: vec![
                (self.field1_name, self.field1_value),
                (self.field2_name, self.field2_value),
                (self.field3_name, self.field3_value),
                (self.field4_name, self.field4_value),
            ],
        }
    }
}

/// `POST /account/profile`
pub async fn save_profile(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<ProfileForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let input = f.input();
    if let Err(e) = input.check() {
        {
            return render(
                &app,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                &input,
                None,
                Some(e.to_string()),
            )
            .await;
        }
    };
    profiles::update_person(&app, &viewer.user, &input).await?;
    Ok(Redirect::to("/account/profile?done=saved").into_response())
}

/// A picture form as sent: its text fields and the chosen file.
pub struct PictureForm {
    pub csrf: String,
    pub alt: String,
    pub file: Option<Bytes>,
}

/// Reads a multipart picture form; a refusal is a response ready to send.
pub async fn read_picture_form(req: Request, app: &App) -> Result<PictureForm, Response> {
    let too_large = || {
        let message = format!(
            "Pictures may be at most {} MiB.",
            media::MAX_UPLOAD_BYTES / (1024 * 1024)
        );
        crate::web::auth::refusal(StatusCode::PAYLOAD_TOO_LARGE, "Picture too large", &message)
    };
    let unreadable = |status| {
        crate::web::auth::refusal(
            status,
            "Form not understood",
            "Send the form from the page it belongs to.",
        )
    };
    let mut multipart = Multipart::from_request(req, app)
        .await
        .map_err(|e| unreadable(e.status()))?;
    let mut form = PictureForm {
        csrf: String::new(),
        alt: String::new(),
        file: None,
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => return Err(unreadable(e.status())),
        };
        let name = field.name().unwrap_or("").to_owned();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => return Err(unreadable(e.status())),
        };
        match name.as_str() {
            "csrf" => form.csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "alt" => form.alt = String::from_utf8_lossy(&bytes).into_owned(),
            "file" if !bytes.is_empty() => form.file = Some(bytes),
            _ => {}
        }
    }
    Ok(form)
}

fn which_picture(raw: &str) -> Option<ProfileImage> {
    match raw {
        "avatar" => Some(ProfileImage::Avatar),
        "header" => Some(ProfileImage::Header),
        _ => None,
    }
}

/// `POST /account/profile/avatar` and `/account/profile/header` (multipart: `file`, `alt`).
pub async fn upload_picture(
    State(app): State<App>,
    viewer: Viewer,
    Path(which): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let which = which_picture(&which).ok_or(AppError::NotFound)?;
    let form = match read_picture_form(req, &app).await {
        Ok(f) => f,
        Err(refused) => return Ok(refused),
    };
    viewer.check_csrf(&form.csrf)?;
    let stored = match &form.file {
        Some(bytes) => media::store_upload(&app, viewer.user.id, bytes, form.alt.trim()).await,
        None => Err(MediaError::Empty),
    };
    let picture = match stored {
        Ok(m) => m,
        Err(e) if e.is_client_error() => {
            let status = if matches!(e, MediaError::TooLarge(_)) {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let current = profiles::current_profile(&viewer.user);
            let error = format!("The picture was not saved: {e}.");
            return render(&app, &viewer, status, &current, None, Some(error)).await;
        }
        Err(e) => return Err(AppError::Internal(e.into())),
    };
    profiles::set_picture(&app, &viewer.user, which, Some(picture.id)).await?;
    Ok(Redirect::to("/account/profile?done=image").into_response())
}

#[derive(Deserialize)]
pub struct RemovePictureForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    which: String,
}

/// `POST /account/profile/images/remove`
pub async fn remove_picture(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<RemovePictureForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let which = which_picture(&f.which)
        .ok_or_else(|| AppError::BadRequest("choose the avatar or the header".into()))?;
    profiles::set_picture(&app, &viewer.user, which, None).await?;
    Ok(Redirect::to("/account/profile?done=removed").into_response())
}

#[derive(Deserialize)]
pub struct FollowersQuery {
    page: Option<u32>,
    done: Option<String>,
}

/// `GET /account/followers`
pub async fn followers(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<FollowersQuery>,
) -> Result<Response, AppError> {
    let page = q.page.unwrap_or(1).max(1);
    let local = keys::person_actor(&app, viewer.user.id).await?;
    let count = follows::count_followers(&app.db, local.id).await?;
    let offset = (i64::from(page) - 1) * FOLLOWERS_PER_PAGE;
    let list =
        follows::list_follower_details(&app.db, local.id, FOLLOWERS_PER_PAGE, offset).await?;
    let site = site::get_site(&app.db).await?;
    let mut ui = UiLayout::new(&site, "Your followers", Some(ui_viewer(&viewer)));
    if q.done.as_deref() == Some("removed") {
        ui.notices
            .push("The follower was removed, and their server was told.".to_owned());
    }
    let followers = list
        .into_iter()
        .map(|f| FollowerView {
            id: f.remote_actor_id,
            handle: format!("@{}@{}", f.username, f.domain),
            name: f.display_name,
            url: first_http_url([f.url.as_deref(), Some(f.uri.as_str())]),
            since: time::human_date(&f.since),
        })
        .collect();
    let page = FollowersPage {
        ui,
        handle: format!("@{}@{}", viewer.user.username, app.config.domain()),
        count,
        followers,
        pager: Pager::new("/account/followers", page, count, FOLLOWERS_PER_PAGE),
    };
    Ok(Html(page.render()?).into_response())
}

async fn follower_of(
    app: &App,
    viewer: &Viewer,
    remote: i64,
) -> Result<(crate::storage::actors::LocalActor, follows::Follower), AppError> {
    let local = keys::person_actor(app, viewer.user.id).await?;
    let follower = follows::find_follower(&app.db, local.id, remote)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((local, follower))
}

/// `GET /account/followers/{id}/remove`: the confirmation step.
pub async fn confirm_remove(
    State(app): State<App>,
    viewer: Viewer,
    Path(remote): Path<i64>,
) -> Result<Response, AppError> {
    let (_, follower) = follower_of(&app, &viewer, remote).await?;
    let site = site::get_site(&app.db).await?;
    let handle = format!("@{}@{}", follower.username, follower.domain);
    let page = ConfirmPage {
        ui: UiLayout::new(&site, "Remove a follower", Some(ui_viewer(&viewer))),
        csrf: viewer.session.csrf_token.clone(),
        heading: format!("Remove {handle}?"),
        message: format!(
            "{handle} will stop following you and no longer receive your posts. Their server is told to drop the follow; they can follow you again."
        ),
        action: format!("/account/followers/{remote}/remove"),
        button: "Remove follower".into(),
        cancel: "/account/followers".into(),
    };
    Ok(Html(page.render()?).into_response())
}

/// `POST /account/followers/{id}/remove`: ends the follow and federates `Reject(Follow)`.
pub async fn remove(
    State(app): State<App>,
    viewer: Viewer,
    Path(remote): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    if !community::remove_follower(&app, &viewer.user, remote).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/account/followers?done=removed").into_response())
}
