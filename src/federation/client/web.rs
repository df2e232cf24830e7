//! Plain web pages and form posts through the same checks as every other request: the pages
//! Webmention reads (sources, targets) and the endpoints it notifies.

use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use super::{ClientError, HttpClient, MAX_INBOX_ANSWER_BYTES, read_limited};

/// `Accept` for web pages.
const ACCEPT_HTML: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1";

/// A page as fetched.
pub struct WebPage {
    /// Where it was found, after redirects: relative links resolve against it.
    pub url: Url,
    /// The values of its `Link` headers.
    pub links: Vec<String>,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl WebPage {
    /// Whether the body is HTML.
    pub fn is_html(&self) -> bool {
        let essence = self.content_type.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("text/html")
            || essence.eq_ignore_ascii_case("application/xhtml+xml")
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl HttpClient {
    /// GETs a web page of at most `limit` bytes, unsigned, following up to
    /// [`super::MAX_REDIRECTS`] redirects with every hop checked.
    pub async fn fetch_page(&self, url: &Url, limit: usize) -> Result<WebPage, ClientError> {
        let response = self
            .get_following(url, |_| {
                let mut headers = HeaderMap::new();
                headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT_HTML));
                Ok(headers)
            })
            .await?;
        let url = response.url().clone();
        let links = response
            .headers()
            .get_all(header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = read_limited(response, limit).await?;
        Ok(WebPage {
            url,
            links,
            content_type,
            body,
        })
    }

    /// POSTs a form (`application/x-www-form-urlencoded`) to `url`; redirects are not
    /// followed. Gives the status answered.
    pub async fn post_form(&self, url: &Url, fields: &[(&str, &str)]) -> Result<u16, ClientError> {
        self.check_url(url)?;
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut response = self
            .inner
            .post(url.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(ClientError::from_reqwest)?;
        let status = response.status().as_u16();
        let mut read = 0usize;
        while read <= MAX_INBOX_ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) | Err(_) => break,
            }
        }
        Ok(status)
    }
}
