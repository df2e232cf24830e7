//! The post form: writing a new post and editing one, with every button of the form.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::form::{Button, FormData, PostFields, datetime_local};
use super::preview::{card, preview_view};
use super::{load_editable, sentence};
use crate::actions::posts::{self, Action, Draft, PublishError};
use crate::app::App;
use crate::domain::{PostStatus, time};
use crate::error::AppError;
use crate::media::{self, Media, MediaError};
use crate::storage::posts::Post;
use crate::storage::users::User;
use crate::storage::{media as media_store, site};
use crate::templates::UiLayout;
use crate::templates::editor::{Buttons, EditorFormPage, FormValues, MediaChoice, UploadedView};
use crate::urls::post_path;
use crate::web::auth::Viewer;
use crate::web::auth::account::ui_viewer;

/// How many of one's images the cover menu offers.
const COVER_CHOICES: i64 = 100;

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    uploaded: Option<i64>,
}

/// Everything the form page shows besides the post itself.
#[derive(Default)]
struct Screen {
    errors: Vec<String>,
    notices: Vec<String>,
    preview: bool,
    uploaded: Option<Media>,
}

/// The form's fields filled from a stored post.
fn fields_of(app: &App, post: &Post) -> PostFields {
    let derived =
        crate::domain::markdown::render(&post.markdown, &app.config.base_url).first_paragraph;
    PostFields {
        title: post.title.clone(),
        slug: post.slug.to_string(),
        tags: post
            .tags
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        // A summary the author did not write is derived again on every save; show it empty.
        summary: if post.summary == derived {
            String::new()
        } else {
            post.summary.clone()
        },
        body: post.markdown.clone(),
        cover_media_id: post.cover.as_ref().map(|c| c.media.id),
        cover_alt: post
            .cover
            .as_ref()
            .map(|c| c.alt.clone())
            .unwrap_or_default(),
        publish_at: match post.status {
            PostStatus::Scheduled => post
                .published_at
                .as_ref()
                .map(datetime_local)
                .unwrap_or_default(),
            _ => String::new(),
        },
        image_alt: String::new(),
    }
}

/// The buttons the form shows to `user` for `post` (`None`: a new post).
fn buttons(user: &User, post: Option<&Post>) -> Buttons {
    let can_publish = user.role.can_publish();
    let submission =
        post.is_some_and(|p| p.review_requested_at.is_some() && p.author.id != user.id);
    let publish_label = if submission {
        "Approve and publish"
    } else {
        "Publish now"
    };
    match post.map(|p| p.status) {
        None | Some(PostStatus::Draft) => Buttons {
            save_draft: true,
            submit: !can_publish,
            publish: can_publish.then_some(publish_label),
            schedule: can_publish,
            delete: post.is_some(),
            ..Buttons::default()
        },
        Some(PostStatus::Scheduled) => Buttons {
            save_draft: true,
            publish: Some("Publish now"),
            schedule: true,
            update: true,
            delete: true,
            ..Buttons::default()
        },
        Some(PostStatus::Published) => Buttons {
            update: true,
            unpublish: can_publish,
            delete: true,
            ..Buttons::default()
        },
        Some(PostStatus::Deleted) => Buttons::default(),
    }
}

fn status_line(post: &Post, viewer: &User) -> String {
    let by = if post.author.id == viewer.id {
        String::new()
    } else {
        format!(
            " · by {} (@{})",
            post.author.display_name, post.author.username
        )
    };
    let state = match (post.status, post.review_requested_at, post.published_at) {
        (PostStatus::Draft, Some(t), _) => {
            format!("Draft, submitted for review on {}", time::human_date(&t))
        }
        (PostStatus::Draft, None, _) => "Draft: only you and the editors can see it".to_owned(),
        (PostStatus::Scheduled, _, Some(t)) => {
            format!("Scheduled for {} UTC", t.format("%Y-%m-%d %H:%M"))
        }
        (PostStatus::Published, _, Some(t)) => format!("Published on {}", time::human_date(&t)),
        (status, _, _) => status.to_string(),
    };
    format!("{state}{by}")
}

fn uploaded_view(m: &Media) -> UploadedView {
    UploadedView {
        markdown: media::markdown(m, &m.alt),
        src: media::path(m, 480),
        alt: m.alt.clone(),
    }
}

fn media_label(m: &Media) -> String {
    let name = if m.alt.is_empty() {
        "Image without description".to_owned()
    } else {
        crate::domain::markdown::shorten(&m.alt, 60)
    };
    format!(
        "{name} ({}×{}, {})",
        m.width,
        m.height,
        time::human_date(&m.created_at)
    )
}

async fn render(
    app: &App,
    viewer: &Viewer,
    post: Option<&Post>,
    fields: &PostFields,
    screen: Screen,
    status: StatusCode,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let heading = match post {
        Some(p) => format!("Edit “{}”", p.title),
        None => "New post".to_owned(),
    };
    let mut ui = UiLayout::new(&site, &heading, Some(ui_viewer(viewer)));
    ui.scripts
        .push(crate::templates::assets::editor_script_href());
    ui.notices = screen.notices;
    let mut library =
        media_store::list_media_by_owner(&app.db, viewer.user.id, COVER_CHOICES).await?;
    let selected = match fields.cover_media_id {
        Some(id) => match library.iter().find(|m| m.id == id) {
            Some(m) => Some(m.clone()),
            None => {
                // Someone else's image (an editor looking at an author's post): offer it too.
                let found = media_store::find_media(&app.db, id).await?;
                library.extend(found.clone());
                found
            }
        },
        None => None,
    };
    let choices = library
        .iter()
        .map(|m| MediaChoice {
            id: m.id,
            label: media_label(m),
            selected: Some(m.id) == fields.cover_media_id,
        })
        .collect();
    let id = post.map(|p| p.id);
    let page = EditorFormPage {
        ui,
        heading,
        action: id.map_or("/editor/new".to_owned(), |id| format!("/editor/posts/{id}")),
        csrf: viewer.session.csrf_token.clone(),
        status_line: post.map(|p| status_line(p, &viewer.user)),
        errors: screen.errors,
        values: FormValues {
            title: fields.title.clone(),
            slug: fields.slug.clone(),
            tags: fields.tags.clone(),
            summary: fields.summary.clone(),
            body: fields.body.clone(),
            cover_alt: fields.cover_alt.clone(),
            publish_at: fields.publish_at.clone(),
            image_alt: fields.image_alt.clone(),
        },
        slug_locked: post.is_some_and(|p| p.status == PostStatus::Published),
        media: choices,
        cover_src: selected.as_ref().map(|m| media::path(m, 480)),
        cover_alt_missing: selected.is_some() && fields.cover_alt.is_empty(),
        buttons: buttons(&viewer.user, post),
        public_url: post
            .filter(|p| p.status == PostStatus::Published)
            .map(|p| post_path(p.slug.as_str())),
        unpublish_url: id
            .map(|id| format!("/editor/posts/{id}/unpublish"))
            .unwrap_or_default(),
        delete_url: id
            .map(|id| format!("/editor/posts/{id}/delete"))
            .unwrap_or_default(),
        uploaded: screen.uploaded.as_ref().map(uploaded_view),
        accept: media::ACCEPT,
        now_utc: time::now().format("%Y-%m-%d %H:%M").to_string(),
        autosave: post.is_none_or(|p| p.status == PostStatus::Draft),
        preview: screen.preview.then(|| preview_view(app, fields)),
        card: card(app, fields, post),
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /editor/new`
pub async fn new_post(State(app): State<App>, viewer: Viewer) -> Result<Response, AppError> {
    render(
        &app,
        &viewer,
        None,
        &PostFields::default(),
        Screen::default(),
        StatusCode::OK,
    )
    .await
}

/// `GET /editor/posts/{id}`
pub async fn edit_post(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let post = load_editable(&app, &viewer, id).await?;
    let mut screen = Screen::default();
    screen.notices.extend(done_notice(q.done.as_deref(), &post));
    if let Some(mid) = q.uploaded {
        screen.uploaded = media_store::find_media(&app.db, mid)
            .await?
            .filter(|m| m.owner_id == Some(viewer.user.id));
    }
    render(
        &app,
        &viewer,
        Some(&post),
        &fields_of(&app, &post),
        screen,
        StatusCode::OK,
    )
    .await
}

/// What to tell after a save, by the `done` of the redirect.
fn done_notice(done: Option<&str>, post: &Post) -> Option<String> {
    match done {
        Some("saved") => Some("Draft saved.".to_owned()),
        Some("submitted") => {
            Some("Submitted for review: an editor will look at it and publish it.".to_owned())
        }
        Some("published") => Some(
            "Published: it is on the site, in the feeds, and on its way to followers.".to_owned(),
        ),
        Some("scheduled") => post.published_at.map(|t| {
            format!(
                "Scheduled: it will be published at {} UTC.",
                t.format("%Y-%m-%d %H:%M")
            )
        }),
        Some("updated") => Some("Saved.".to_owned()),
        Some("unpublished") => Some(
            "Unpublished: it is a draft again, and followers' servers were asked to remove it."
                .to_owned(),
        ),
        _ => None,
    }
}

/// `POST /editor/new`
pub async fn create(
    State(app): State<App>,
    viewer: Viewer,
    form: FormData,
) -> Result<Response, AppError> {
    viewer.check_csrf(form.text("csrf"))?;
    handle(&app, &viewer, None, form).await
}

/// `POST /editor/posts/{id}`
pub async fn update(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response, AppError> {
    viewer.check_csrf(form.text("csrf"))?;
    let post = load_editable(&app, &viewer, id).await?;
    handle(&app, &viewer, Some(post), form).await
}

fn upload_status(e: &MediaError) -> StatusCode {
    match e {
        MediaError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        MediaError::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// What a refused save means for the person: fix the form (422), or not allowed at all.
fn refused(e: PublishError) -> Result<String, AppError> {
    match e {
        PublishError::NotYours | PublishError::NeedsReview => Err(AppError::Forbidden),
        PublishError::UnknownPost | PublishError::NoSuchPost(_) => Err(AppError::NotFound),
        PublishError::Storage(e) => Err(e.into()),
        other => Ok(sentence(&other.to_string())),
    }
}

async fn handle(
    app: &App,
    viewer: &Viewer,
    post: Option<Post>,
    form: FormData,
) -> Result<Response, AppError> {
    let button = Button::parse(form.text("action"));
    let mut fields = PostFields::from_form(&form);
    let post = post.as_ref();
    // Files first: a refused file stops everything, so nothing is half done.
    if let Some(file) = form.file("cover_file") {
        match media::store_upload(app, viewer.user.id, &file.bytes, &fields.cover_alt).await {
            Ok(m) => fields.cover_media_id = Some(m.id),
            Err(e) if e.is_client_error() => {
                return fail(
                    app,
                    viewer,
                    post,
                    &fields,
                    vec![format!("Cover image: {}", sentence(&e.to_string()))],
                    upload_status(&e),
                )
                .await;
            }
            Err(e) => return Err(AppError::Internal(e.into())),
        }
    }
    let mut uploaded = None;
    if let Some(file) = form.file("image_file") {
        match media::store_upload(app, viewer.user.id, &file.bytes, &fields.image_alt).await {
            Ok(m) => uploaded = Some(m),
            Err(e) if e.is_client_error() => {
                return fail(
                    app,
                    viewer,
                    post,
                    &fields,
                    vec![format!("Image: {}", sentence(&e.to_string()))],
                    upload_status(&e),
                )
                .await;
            }
            Err(e) => return Err(AppError::Internal(e.into())),
        }
    } else if button == Button::Upload {
        return fail(
            app,
            viewer,
            post,
            &fields,
            vec!["Choose an image file to upload.".into()],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    if fields.cover_alt.is_empty()
        && let Some(id) = fields.cover_media_id
    {
        fields.cover_alt = media_store::find_media(&app.db, id)
            .await?
            .map(|m| m.alt)
            .unwrap_or_default();
    }
    let action = match button {
        Button::Preview => {
            let screen = Screen {
                preview: true,
                uploaded,
                ..Screen::default()
            };
            return render(app, viewer, post, &fields, screen, StatusCode::OK).await;
        }
        Button::Upload => {
            fields.image_alt.clear();
            let screen = Screen {
                uploaded,
                ..Screen::default()
            };
            return render(app, viewer, post, &fields, screen, StatusCode::OK).await;
        }
        Button::Autosave => return autosave(app, viewer, post, &fields).await,
        Button::SaveDraft => Action::SaveDraft,
        Button::Submit => Action::SubmitForReview,
        Button::Publish => Action::PublishNow,
        Button::Update => Action::Update,
        Button::Schedule => match fields.schedule_time() {
            Some(t) => Action::Schedule(t),
            None => {
                let e =
                    "Choose the date and time to publish at (in UTC) before scheduling.".to_owned();
                return fail(
                    app,
                    viewer,
                    post,
                    &fields,
                    vec![e],
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    };
    let submission = match fields.submission() {
        Ok(s) => s,
        Err(e) => {
            return fail(
                app,
                viewer,
                post,
                &fields,
                vec![sentence(&e.to_string())],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let draft = Draft {
        submission,
        cover_media_id: fields.cover_media_id,
        cover_alt: fields.cover_alt.clone(),
    };
    match posts::save(app, &viewer.user, post.map(|p| p.id), draft, action).await {
        Ok(saved) => {
            let done = match (action, saved.post.status) {
                (Action::SubmitForReview, _) => "submitted",
                (_, PostStatus::Scheduled) if matches!(action, Action::Schedule(_)) => "scheduled",
                (Action::PublishNow, _) => "published",
                (_, PostStatus::Draft) => "saved",
                _ => "updated",
            };
            if !saved.warnings.is_empty() {
                // Shown now rather than lost in a redirect (mentions that could not be found).
                let mut screen = Screen {
                    uploaded,
                    ..Screen::default()
                };
                screen.notices.extend(done_notice(Some(done), &saved.post));
                screen
                    .notices
                    .extend(saved.warnings.iter().map(|w| sentence(w)));
                let fields = fields_of(app, &saved.post);
                return render(
                    app,
                    viewer,
                    Some(&saved.post),
                    &fields,
                    screen,
                    StatusCode::OK,
                )
                .await;
            }
            let mut target = format!("/editor/posts/{}?done={done}", saved.post.id);
            if let Some(m) = uploaded {
                target.push_str(&format!("&uploaded={}", m.id));
            }
            Ok(Redirect::to(&target).into_response())
        }
        Err(e) => {
            let message = refused(e)?;
            fail(
                app,
                viewer,
                post,
                &fields,
                vec![message],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The form again, with what is wrong.
async fn fail(
    app: &App,
    viewer: &Viewer,
    post: Option<&Post>,
    fields: &PostFields,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    render(
        app,
        viewer,
        post,
        fields,
        Screen {
            errors,
            ..Screen::default()
        },
        status,
    )
    .await
}

/// Saves a draft in the background (the script's autosave): JSON, not a page.
async fn autosave(
    app: &App,
    viewer: &Viewer,
    post: Option<&Post>,
    fields: &PostFields,
) -> Result<Response, AppError> {
    let answer =
        |status: StatusCode, body: serde_json::Value| Ok((status, Json(body)).into_response());
    if post.is_some_and(|p| p.status != PostStatus::Draft) {
        return answer(
            StatusCode::CONFLICT,
            json!({"error": "Scheduled and published posts are saved only when you press a button."}),
        );
    }
    let submission = match fields.submission() {
        Ok(s) => s,
        Err(e) => {
            return answer(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": sentence(&e.to_string())}),
            );
        }
    };
    let draft = Draft {
        submission,
        cover_media_id: fields.cover_media_id,
        cover_alt: fields.cover_alt.clone(),
    };
    match posts::save(
        app,
        &viewer.user,
        post.map(|p| p.id),
        draft,
        Action::SaveDraft,
    )
    .await
    {
        Ok(saved) => answer(
            StatusCode::OK,
            json!({
                "id": saved.post.id,
                "edit_url": format!("/editor/posts/{}", saved.post.id),
                "saved_at": saved.post.updated_at.format("%H:%M:%S").to_string(),
            }),
        ),
        Err(e) => {
            let message = refused(e)?;
            answer(StatusCode::UNPROCESSABLE_ENTITY, json!({"error": message}))
        }
    }
}
