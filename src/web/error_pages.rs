//! Error pages in the site's layout: an answer that carries an [`ErrorPage`] (a 404, a
//! refusal, a form that cannot be done) is rendered again with the site's header and footer,
//! so that a person who lands on one can still find their way. The status and headers stay;
//! when the site cannot be read, the plain page stays.

use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::app::App;
use crate::error::ErrorPage;
use crate::storage::site;
use crate::templates::{Layout, MessagePage};

/// Middleware: re-renders error pages in the normal layout.
pub async fn in_layout(State(app): State<App>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let Some(page) = response.extensions_mut().remove::<ErrorPage>() else {
        return response;
    };
    let Ok(site) = site::get_site(&app.db).await else {
        return response;
    };
    let layout = Layout::new(&site, &app.config, Some(page.heading), &page.message, &path);
    let rendered = MessagePage {
        layout,
        heading: page.heading.to_owned(),
        message: page.message,
    }
    .render();
    if let Ok(body) = rendered {
        response.headers_mut().remove(header::CONTENT_LENGTH);
        *response.body_mut() = Body::from(body);
    }
    response
}
