//! The post form: writing a new post and editing one, with every button of the form.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::form::{Button, FormData, PostFields};
use super::screen::{Done, Screen, done_notice, fields_of, render};
use super::{load_editable, load_openable, sentence};
use crate::actions::posts::{self, Action, Draft, PublishError};
use crate::app::App;
use crate::domain::PostStatus;
use crate::error::AppError;
use crate::media::{self, MediaError};
use crate::storage::media as media_store;
use crate::storage::posts::Post;
use crate::web::auth::Viewer;

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
    let post = load_openable(&app, &viewer, id).await?;
    let mut screen = Screen::default();
    let zone = viewer.user.time_zone;
    screen
        .notices
        .extend(done_notice(q.done.as_deref(), &post, zone));
    if let Some(mid) = q.uploaded {
        screen.uploaded = media_store::find_media(&app.db, mid)
            .await?
            .filter(|m| m.owner_id == Some(viewer.user.id));
    }
    render(
        &app,
        &viewer,
        Some(&post),
        &fields_of(&app, &post, zone),
        screen,
        StatusCode::OK,
    )
    .await
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
    // A chosen cover must be one the writer may use before the form shows it (its picture and
    // alt text) or stores anything. Autosave goes straight to the write path, which checks.
    if button != Button::Autosave
        && form.file("cover_file").is_none()
        && let Some(id) = fields.cover_media_id
        && let Err(e) = posts::check_cover(
            app,
            &viewer.user,
            post.map_or(viewer.user.id, |p| p.author.id),
            id,
        )
        .await
    {
        let message = refused(e)?;
        fields.cover_media_id = None;
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return fail(app, viewer, post, &fields, vec![message], status).await;
    }
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
        Button::Schedule => match fields.schedule_time(viewer.user.time_zone) {
            Ok(Some(t)) => Action::Schedule(t),
            Err(e) => {
                let e = sentence(&e.to_string());
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
            Ok(None) => {
                let e = format!(
                    "Choose the date and time to publish at (in {}) before scheduling.",
                    viewer.user.time_zone
                );
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
                let zone = viewer.user.time_zone;
                screen
                    .notices
                    .extend(done_notice(Some(done), &saved.post, zone));
                screen
                    .notices
                    .extend(saved.warnings.iter().map(|w| sentence(w)));
                let fields = fields_of(app, &saved.post, zone);
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
                "saved_at": viewer.user.time_zone.local(&saved.post.updated_at).format("%H:%M:%S").to_string(),
            }),
        ),
        Err(e) => {
            let message = refused(e)?;
            answer(StatusCode::UNPROCESSABLE_ENTITY, json!({"error": message}))
        }
    }
}
