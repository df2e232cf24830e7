//! The client the ActivityPub crate fetches documents with (`ObjectId::dereference`,
//! `fetch_object_http`). It is our own client underneath — the resolver that drops
//! non-public addresses, `https:` only unless private networks are allowed, no redirects of
//! its own — with three things added to every request it sends:
//!
//! - the URL is checked against the same rules as our own fetches before any connection
//!   (a literal private address never reaches the resolver);
//! - a GET is signed by the instance actor (draft-cavage, on aws-lc-rs; servers in
//!   authorized-fetch mode refuse unsigned fetches), so the crate's own `rsa`-based signing
//!   never runs;
//! - an answer that is neither a success, a redirect (the crate follows one) nor `410 Gone`
//!   (the crate's "deleted") becomes a [`ClientError::Status`], so callers can tell "try again
//!   later" (5xx, 429) from "not there".

use std::time::SystemTime;

use http::Extensions;
use reqwest::{Method, Request, Response, StatusCode};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware, Middleware, Next};

use super::{ClientError, HttpClient};
use crate::federation::context::FedData;
use crate::federation::keys;
use crate::federation::signatures::cavage;

/// Our client, as the crate's `ClientWithMiddleware`.
pub fn protocol_client(client: &HttpClient, data: FedData) -> ClientWithMiddleware {
    ClientBuilder::new(client.inner.clone())
        .with(Guard {
            client: client.clone(),
            data,
        })
        .build()
}

struct Guard {
    client: HttpClient,
    data: FedData,
}

#[async_trait::async_trait]
impl Middleware for Guard {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        self.client
            .check_url(req.url())
            .map_err(reqwest_middleware::Error::middleware)?;
        if req.method() == Method::GET {
            let app = self.data.app();
            let signer = keys::instance_signer(&app).await.map_err(|e| {
                reqwest_middleware::Error::middleware(ClientError::Decode(e.to_string()))
            })?;
            let signed = cavage::sign_request(
                &Method::GET,
                req.url(),
                None,
                &signer.key_id,
                &signer.key,
                SystemTime::now(),
            )
            .map_err(|e| {
                reqwest_middleware::Error::middleware(ClientError::Decode(format!(
                    "cannot sign the request: {e}"
                )))
            })?;
            signed.apply_to(req.headers_mut());
        }
        let response = next.run(req, extensions).await?;
        let status = response.status();
        if status.is_success() || status.is_redirection() || status == StatusCode::GONE {
            Ok(response)
        } else {
            Err(reqwest_middleware::Error::middleware(ClientError::Status(
                status.as_u16(),
            )))
        }
    }
}
